import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed acknowledgement links: `…/ack?incident=…&who=…&expires=…&sig=…`, an HMAC-SHA256 over the three
 * values with the server's secret. Anyone holding an unexpired link can acknowledge that one incident
 * as that person, and nothing else; no token needed from a phone at 3 a.m.
 */
export function signAck(secret: string, incidentId: string, who: string, expiresAt: Date): string {
  return createHmac('sha256', secret).update(`${incidentId}\n${who}\n${expiresAt.getTime()}`).digest('hex');
}

export function ackUrl(baseUrl: string, secret: string, incidentId: string, who: string, expiresAt: Date): string {
  const url = new URL('/api/v1/incidents/ack', baseUrl);
  url.searchParams.set('incident', incidentId);
  url.searchParams.set('who', who);
  url.searchParams.set('expires', String(expiresAt.getTime()));
  url.searchParams.set('sig', signAck(secret, incidentId, who, expiresAt));
  return url.toString();
}

export type AckCheck = { ok: true } | { ok: false; reason: string };

export function verifyAck(secret: string, params: { incident: string; who: string; expires: string; sig: string }, now: Date): AckCheck {
  const expires = Number(params.expires);
  if (!Number.isFinite(expires)) return { ok: false, reason: 'the link has no valid expiry' };
  const expected = Buffer.from(signAck(secret, params.incident, params.who, new Date(expires)), 'hex');
  const given = Buffer.from(params.sig, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the link signature does not match' };
  if (now.getTime() > expires) return { ok: false, reason: 'the link has expired; acknowledge with `ripcord incident ack` instead' };
  return { ok: true };
}
