import { FlagdCore } from '@openfeature/flagd-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type EvaluationDetails, type JsonValue, OpenFeature } from '@openfeature/server-sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, listen } from '../app.js';
import { parseConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { contextArbitrary, flagdDocumentArbitrary, type VariantType } from '../test-support/flagd-arbitraries.js';

/**
 * Parity with flagd, by property: for generated flagd documents and contexts, ripcord (the document
 * loaded through its API, evaluated through OFREP over HTTP: single, bulk, and the official server SDK
 * with the OFREP provider) answers what @openfeature/flagd-core answers in process. The expected
 * answers come from flagd-core alone, mapped to OFREP's wire format by the rules written here.
 * Seeded; RIPCORD_PARITY_RUNS and RIPCORD_PARITY_SEED change the run.
 */
const RUNS = Number(process.env.RIPCORD_PARITY_RUNS ?? 300);
const SEED = Number(process.env.RIPCORD_PARITY_SEED ?? 20261201);
const ADMIN = 'rcp_parity-admin-token-0000000000';
const VERSION_KEY = 'ripcord.version';
const SILENT = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const SDK_DEFAULTS: Record<VariantType, JsonValue> = { boolean: false, string: 'caller-default', integer: -7, float: -7.5, object: { caller: 'default' } };

type Resolution = ReturnType<FlagdCore['resolveBooleanEvaluation']>;

function resolve(core: FlagdCore, type: VariantType, key: string, context: Record<string, unknown>): Resolution {
  const ctx = context as Parameters<FlagdCore['resolveBooleanEvaluation']>[2];
  if (type === 'boolean') return core.resolveBooleanEvaluation(key, SDK_DEFAULTS.boolean as boolean, ctx);
  if (type === 'string') return core.resolveStringEvaluation(key, SDK_DEFAULTS.string as string, ctx) as unknown as Resolution;
  if (type === 'integer' || type === 'float') return core.resolveNumberEvaluation(key, SDK_DEFAULTS[type] as number, ctx) as unknown as Resolution;
  return core.resolveObjectEvaluation(key, SDK_DEFAULTS.object, ctx) as unknown as Resolution;
}

/**
 * OFREP's answer to flagd-core's resolution: 404 for FLAG_NOT_FOUND, 400 for other errors, 200 with
 * a value only when a variant was chosen (no value = the caller's default: disabled, or no default
 * variant). Metadata is flagd-core's, plus ripcord's version under its own key unless the user has it.
 */
function expectedOfrep(key: string, r: Resolution): { status: number; body: Record<string, unknown> } {
  const metadata = { ...r.flagMetadata };
  if (r.errorCode === 'FLAG_NOT_FOUND') return { status: 404, body: { key, errorCode: r.errorCode, errorDetails: r.errorMessage, ...(Object.keys(metadata).length ? { metadata } : {}) } };
  if (!(VERSION_KEY in metadata)) metadata[VERSION_KEY] = 1;
  if (r.errorCode) return { status: 400, body: { key, errorCode: r.errorCode, errorDetails: r.errorMessage, metadata } };
  return { status: 200, body: { key, ...(r.variant !== undefined ? { value: r.value, variant: r.variant } : {}), reason: r.reason, metadata } };
}

describe('parity with flagd-core (property-based)', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  let operator: string;
  let appToken: string;
  let environment = '';
  // A case is one flag evaluated for one context and compared: in a single answer, a bulk answer, or the SDK.
  const stats = { documents: 0, refused: 0, singles: 0, bulks: 0, bulkCases: 0, sdk: 0, reasons: new Map<string, number>() };

  const post = async (path: string, body: unknown, token: string, method = 'POST') => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-ripcord-environment': environment }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const parsed = parseConfig('service: parity\nenvironments:\n  production: {}\n', 'ripcord.yaml', {});
    if (!parsed.ok) throw new Error('config');
    app = await createApp({ ...database.options, config: parsed.config, adminToken: ADMIN, watchIntervalMs: 0, ofrepRateLimit: 1_000_000, logger: createLogger({ level: 'silent' }) });
    url = await listen(app, { host: '127.0.0.1', port: 0 });
    operator = (await app.tokens.create({ name: 'loader', role: 'operator' }, 't')).secret;
    // A flags token for every environment: each document is loaded into an environment of its own.
    appToken = (await app.tokens.create({ name: 'parity-app', role: 'flags' }, 't')).secret;
    await OpenFeature.setProviderAndWait('parity', new OFREPProvider({ baseUrl: url, headers: { authorization: `Bearer ${appToken}` }, headersFactory: () => ({ 'x-ripcord-environment': environment }) }));
  });
  afterAll(async () => {
    await OpenFeature.close();
    await app?.close();
    await database?.drop();
    console.info(
      `parity: ${stats.documents} documents (${stats.refused} refused as flagd-core cannot evaluate them); ${stats.singles + stats.bulkCases + stats.sdk} cases compared: ${stats.singles} single OFREP, ${stats.bulkCases} in ${stats.bulks} bulk answers, ${stats.sdk} through the SDK; bulk reasons ${JSON.stringify(Object.fromEntries(stats.reasons))}`,
    );
  });

  it('loads what flagd-core loads, refuses what it cannot evaluate, and evaluates every flag as flagd-core does', async () => {
    const client = OpenFeature.getClient('parity');
    await fc.assert(
      fc.asyncProperty(flagdDocumentArbitrary, fc.array(contextArbitrary, { minLength: 1, maxLength: 4 }), async ({ document, types }, contexts) => {
        stats.documents += 1;
        environment = `p${stats.documents}`;
        const core = new FlagdCore(undefined, SILENT);
        let loads = true;
        try {
          core.setConfigurations(JSON.stringify(document));
        } catch {
          loads = false;
        }
        const keys = Object.keys(document.flags);
        // flagd-core loads a flag whose targeting does not compile and answers PARSE_ERROR forever after.
        const unevaluable = loads ? keys.filter((key) => core.getFlag(key)?.evaluate({}).errorCode === 'PARSE_ERROR') : keys;
        const loaded = await post(`/api/v1/environments/${environment}/flags`, document, operator, 'PUT');
        if (!loads || unevaluable.length > 0) {
          stats.refused += 1;
          expect(loaded.status, JSON.stringify(loaded.body)).toBe(400);
          const paths = ((loaded.body.error as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path);
          for (const key of unevaluable) expect(paths.some((p) => p.startsWith(`body.flags${/^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `["${key}"]`}.targeting`) || p.startsWith('body.$evaluators'))).toBe(true);
          return;
        }
        expect(loaded.status, JSON.stringify(loaded.body)).toBe(200);
        for (const [n, context] of contexts.entries()) {
          // Single evaluation, raw HTTP: every flag, and one that does not exist (for the first context;
          // the bulk answer covers every context).
          for (const key of n === 0 ? [...keys, 'no-such-flag'] : []) {
            const type = types[key] ?? 'boolean';
            const expected = expectedOfrep(key, resolve(core, type, key, context));
            const answer = await post(`/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, { context }, appToken);
            stats.singles += 1;
            expect({ status: answer.status, body: answer.body }, `${key} in ${JSON.stringify(document)} for ${JSON.stringify(context)}`).toEqual(expected);
          }
          // Bulk: the same answers, in key order, and the set's metadata.
          const bulk = await post('/ofrep/v1/evaluate/flags', { context }, appToken);
          stats.bulks += 1;
          stats.bulkCases += keys.length;
          for (const key of keys) {
            const reason = String(expectedOfrep(key, resolve(core, types[key] as VariantType, key, context)).body.reason ?? 'error');
            stats.reasons.set(reason, (stats.reasons.get(reason) ?? 0) + 1);
          }
          expect(bulk.status).toBe(200);
          expect(bulk.body.flags).toEqual([...keys].sort().map((key) => expectedOfrep(key, resolve(core, types[key] as VariantType, key, context)).body));
          expect(bulk.body.metadata).toEqual(document.metadata && Object.keys(document.metadata).length ? document.metadata : undefined);
        }
        // The official server SDK with the OFREP provider, typed as the application would call it.
        const context = contexts[0] as Record<string, unknown>;
        for (const key of keys) {
          const type = types[key] as VariantType;
          const reference = resolve(core, type, key, context);
          const details = (await (type === 'boolean'
            ? client.getBooleanDetails(key, SDK_DEFAULTS.boolean as boolean, context as never)
            : type === 'string'
              ? client.getStringDetails(key, SDK_DEFAULTS.string as string, context as never)
              : type === 'object'
                ? client.getObjectDetails(key, SDK_DEFAULTS.object, context as never)
                : client.getNumberDetails(key, SDK_DEFAULTS[type] as number, context as never))) as EvaluationDetails<JsonValue>;
          stats.sdk += 1;
          expect(details.value, key).toEqual(reference.value);
          if (reference.variant === undefined && !reference.errorCode) {
            // No variant (disabled, or no default variant): ripcord answers 200 without a value, as
            // OFREP ADR 0006 has it; @openfeature/ofrep-provider 0.1.3 takes a body without `value`
            // for an unexpected answer, so the SDK shows ERROR/GENERAL with the caller's default.
            expect({ reason: details.reason, errorCode: details.errorCode }).toEqual({ reason: 'ERROR', errorCode: 'GENERAL' });
          } else if (reference.errorCode) {
            expect({ reason: details.reason, errorCode: details.errorCode }).toEqual({ reason: 'ERROR', errorCode: reference.errorCode });
          } else {
            const metadata: Record<string, unknown> = { ...reference.flagMetadata };
            if (!(VERSION_KEY in metadata)) metadata[VERSION_KEY] = 1;
            expect({ variant: details.variant, reason: details.reason, errorCode: details.errorCode, flagMetadata: details.flagMetadata }).toEqual({ variant: reference.variant, reason: reference.reason, errorCode: undefined, flagMetadata: metadata });
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(stats.documents).toBe(RUNS);
  }, 600_000);
});
