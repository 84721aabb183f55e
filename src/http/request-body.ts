import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { RipcordError } from '../core/errors.js';

/** Deeper JSON than this is refused: nothing ripcord accepts nests past a dozen levels, and recursion over it must not overflow. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in a JSON text, counted without parsing (strings skipped). */
export function jsonDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i += 1;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAt) return deepest;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth -= 1;
  }
  return deepest;
}

/** Where in a parsed body a key that could reach an object's prototype stands (`body.a.__proto__`), if anywhere. */
function prototypeKey(value: unknown, path: string): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__' || (key === 'constructor' && child && typeof child === 'object' && 'prototype' in child)) return `${path}.${key}`;
    const found = prototypeKey(child, Array.isArray(value) ? `${path}.${key}` : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Request bodies: JSON with a depth limit and no prototype keys (each refused with 400 naming where),
 * `Content-Encoding` gzip or deflate in any letter case (the body limit applies to the unzipped bytes, so
 * no zip bombs), and every other encoding refused with 415 naming the header.
 */
export function registerBodyParsing(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    // GET and HEAD bodies are never read: an unzip stream nobody reads would throw its errors nowhere.
    if (encoding === 'identity' || encoding === '' || request.method === 'GET' || request.method === 'HEAD') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate') {
      throw Object.assign(new RipcordError('invalid_input', `Content-Encoding "${encoding}" is not supported; send gzip, deflate or no encoding`, [{ path: 'headers.content-encoding', message: 'use gzip, deflate or none' }]), {
        statusCode: 415,
      });
    }
    const unzip = encoding === 'deflate' ? createInflate() : createGunzip();
    const counted = unzip as typeof unzip & { receivedEncodedLength?: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      counted.receivedEncodedLength = (counted.receivedEncodedLength ?? 0) + chunk.length;
    });
    // Fastify reads the stream and reports its errors as 400; this keeps a late one (after a refusal) from escaping.
    unzip.on('error', () => undefined);
    payload.pipe(unzip);
    return unzip;
  });

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      return done(new RipcordError('invalid_input', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, [{ path: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const message = `the body is not valid JSON: ${(error as Error).message}`;
      return done(new RipcordError('invalid_input', message, [{ path: 'body', message: (error as Error).message }]));
    }
    const forbidden = prototypeKey(parsed, 'body');
    if (forbidden) return done(new RipcordError('invalid_input', `${forbidden}: this key is not allowed`, [{ path: forbidden, message: 'not allowed' }]));
    done(null, parsed);
  });

  // HTML forms (the signed acknowledgement page) post URL-encoded fields.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}
