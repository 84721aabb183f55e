import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PlatformDeployment } from '../provider.js';

/**
 * Vercel deployment webhooks (https://vercel.com/docs/webhooks): each delivery is signed with the
 * webhook's secret as `x-vercel-signature: hex(HMAC-SHA1(secret, raw body))`. Verify over the raw bytes,
 * before parsing: a re-serialized body would not match.
 */
export function verifyVercelSignature(rawBody: Buffer | string, signature: string | undefined, secret: string): boolean {
  if (!signature || !/^[0-9a-f]{40}$/i.test(signature)) return false;
  const expected = createHmac('sha1', secret).update(rawBody).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The production deployment a delivery reports as live (`deployment.succeeded` / `deployment.promoted` for target production), else undefined. */
export function vercelWebhookDeployment(body: unknown, projectId?: string): PlatformDeployment | undefined {
  const event = body as { type?: string; createdAt?: number; payload?: { target?: string | null; project?: { id?: string }; deployment?: { id?: string; meta?: Record<string, string> } } };
  if (event.type !== 'deployment.succeeded' && event.type !== 'deployment.promoted') return undefined;
  const payload = event.payload;
  if (!payload?.deployment?.id || payload.target !== 'production') return undefined;
  if (projectId && payload.project?.id && payload.project.id !== projectId) return undefined;
  const meta = payload.deployment.meta ?? {};
  return {
    id: payload.deployment.id,
    commit: meta.githubCommitSha,
    author: meta.githubCommitAuthorLogin,
    createdAt: new Date(event.createdAt ?? Date.now()).toISOString(),
    current: true,
  };
}
