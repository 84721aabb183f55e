import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyNetlifySignature } from './netlify-webhook.js';

const SECRET = 'netlify-jws-secret-99';
const body = JSON.stringify({ id: '64a0', site_id: 'site', state: 'ready', context: 'production', commit_ref: 'abc123' });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWS as Netlify builds it, assembled by hand here. */
function jws(claims: Record<string, unknown>, secret = SECRET, alg = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
const sha = createHash('sha256').update(body).digest('hex');

describe('Netlify deploy notification signatures', () => {
  it('accepts a JWS from netlify over this exact body, refuses every other', () => {
    expect(verifyNetlifySignature(body, jws({ iss: 'netlify', sha256: sha }), SECRET)).toBe(true);
    expect(verifyNetlifySignature(`${body} `, jws({ iss: 'netlify', sha256: sha }), SECRET)).toBe(false);
    expect(verifyNetlifySignature(body, jws({ iss: 'netlify', sha256: sha }, 'wrong-secret'), SECRET)).toBe(false);
    expect(verifyNetlifySignature(body, jws({ iss: 'someone', sha256: sha }), SECRET)).toBe(false);
    expect(verifyNetlifySignature(body, undefined, SECRET)).toBe(false);
    expect(verifyNetlifySignature(body, 'a.b', SECRET)).toBe(false);
  });
});
