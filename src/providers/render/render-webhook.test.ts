import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyRenderSignature } from './render-webhook.js';

const KEY = Buffer.from('render-webhook-key-0123456789ab');
const SECRET = `whsec_${KEY.toString('base64')}`;
const body = JSON.stringify({ type: 'deploy_ended', timestamp: '2026-12-01T10:00:00Z', data: { serviceId: 'srv-1', deployId: 'dep-1', status: 'succeeded' } });
const at = 1_796_000_000;
/** The signature as Standard Webhooks defines it, computed by hand here. */
const sign = (id: string, ts: number, text: string, key = KEY) => `v1,${createHmac('sha256', key).update(`${id}.${ts}.${text}`).digest('base64')}`;

describe('Render webhook signatures (Standard Webhooks)', () => {
  it('accepts a fresh delivery signed over id.timestamp.body; refuses tampering, wrong keys and replays', () => {
    const ok = { id: 'msg_1', timestamp: String(at), signature: sign('msg_1', at, body) };
    expect(verifyRenderSignature(body, ok, SECRET, { now: at * 1000 })).toBe(true);
    expect(verifyRenderSignature(body, { ...ok, signature: `v1,bm9wZQ== ${ok.signature}` }, SECRET, { now: at * 1000 })).toBe(true);
    expect(verifyRenderSignature(`${body} `, ok, SECRET, { now: at * 1000 })).toBe(false);
    expect(verifyRenderSignature(body, { ...ok, id: 'msg_2' }, SECRET, { now: at * 1000 })).toBe(false);
    expect(verifyRenderSignature(body, { ...ok, signature: sign('msg_1', at, body, Buffer.from('other-key')) }, SECRET, { now: at * 1000 })).toBe(false);
    expect(verifyRenderSignature(body, ok, SECRET, { now: (at + 301) * 1000 })).toBe(false);
    expect(verifyRenderSignature(body, { ...ok, signature: undefined }, SECRET, { now: at * 1000 })).toBe(false);
  });
});
