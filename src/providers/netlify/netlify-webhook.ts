import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Netlify deploy notifications (outgoing webhooks with a JWS secret token): the `X-Webhook-Signature`
 * header is a JWT signed HS256 with the shared secret whose claims are `iss: "netlify"` and `sha256`,
 * the hex SHA-256 of the raw body. Both the signature and the body hash must match.
 */
export function verifyNetlifySignature(rawBody: Buffer | string, token: string | undefined, secret: string): boolean {
  const parts = token?.split('.');
  if (parts?.length !== 3) return false;
  const [header, claims, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string }).alg;
    const body = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iss?: string; sha256?: string };
    return alg === 'HS256' && body.iss === 'netlify' && body.sha256 === createHash('sha256').update(rawBody).digest('hex');
  } catch {
    return false;
  }
}
