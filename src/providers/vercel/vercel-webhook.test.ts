import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { vercelWebhookDeployment, verifyVercelSignature } from './vercel-webhook.js';

const SECRET = 'whsec-vercel-test-1234';
const delivery = JSON.stringify({
  id: 'evt_1',
  type: 'deployment.succeeded',
  createdAt: 1_764_600_000_000,
  payload: { target: 'production', project: { id: 'prj_1' }, deployment: { id: 'dpl_9', meta: { githubCommitSha: 'abc123', githubCommitAuthorLogin: 'ana' } } },
});
// The signature as Vercel computes it, by hand here (openssl-equivalent), not by the code under test.
const signed = createHmac('sha1', SECRET).update(delivery).digest('hex');

describe('Vercel deployment webhooks', () => {
  it('accepts the documented signature over the raw body and nothing else', () => {
    expect(verifyVercelSignature(delivery, signed, SECRET)).toBe(true);
    expect(verifyVercelSignature(`${delivery} `, signed, SECRET)).toBe(false);
    expect(verifyVercelSignature(delivery, signed, 'another-secret')).toBe(false);
    expect(verifyVercelSignature(delivery, undefined, SECRET)).toBe(false);
    expect(verifyVercelSignature(delivery, 'zz', SECRET)).toBe(false);
  });

  it('turns a production deployment.succeeded into the deployment to record, with commit and author', () => {
    expect(vercelWebhookDeployment(JSON.parse(delivery), 'prj_1')).toEqual({ id: 'dpl_9', commit: 'abc123', author: 'ana', createdAt: '2025-12-01T14:40:00.000Z', current: true });
    expect(vercelWebhookDeployment(JSON.parse(delivery), 'prj_other')).toBeUndefined();
    expect(vercelWebhookDeployment({ ...JSON.parse(delivery), type: 'deployment.created' })).toBeUndefined();
    const preview = JSON.parse(delivery);
    preview.payload.target = null;
    expect(vercelWebhookDeployment(preview)).toBeUndefined();
  });
});
