import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Render webhooks follow the Standard Webhooks scheme: `webhook-id`, `webhook-timestamp` (unix seconds)
 * and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64 part of
 * the `whsec_…` secret. Deliveries older or newer than `toleranceS` (default 5 min) are refused (replays).
 */
export function verifyRenderSignature(
  rawBody: Buffer | string,
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  secret: string,
  options: { now?: number; toleranceS?: number } = {},
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceS ?? 300)) return false;
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody.toString()}`).digest();
  // The header may carry several space-separated signatures (key rotation): any v1 match passes.
  return signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
