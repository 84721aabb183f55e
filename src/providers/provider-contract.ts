import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRipcordError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import type { Provider, ReleaseRef, StepRequest, StepResult } from './provider.js';

export type BaseRequest = Omit<StepRequest, 'signal' | 'log' | 'idempotencyKey'>;

/**
 * What a provider's test gives the shared contract suite. The suite only sees the provider through
 * its contract plus `effects()`, a count of real side effects read from the platform itself
 * (commits on the remote, lines a command appended, backup files), never from the provider, and
 * optionally `observe()`, the platform's state read the same way (which version answers).
 */
export interface ProviderFixture {
  provider: Provider;
  /** A fresh request for an action that changes something observable. Called once per perform. */
  request(): Promise<BaseRequest> | BaseRequest;
  /** How many times the action really happened, read from the outside world. */
  effects(): Promise<number>;
  /** One valid request per action, to check `describe` for each of them (defaults to `request()` for its action). */
  describeRequests?(): Promise<BaseRequest[]> | BaseRequest[];
  /**
   * A request that fails, and a secret that its failure must not reveal. Required: the secret must
   * reach the provider (in the request, or in the config it was built with), or the check proves nothing.
   */
  failure(): Promise<{ request: BaseRequest; secret: string }> | { request: BaseRequest; secret: string };
  /**
   * What the platform shows now, read from outside (the router: which version answers real traffic).
   * A count cannot tell "switched to blue once" from "switched to blue twice"; a state can tell a step
   * replayed with a changed request from one that was skipped. Optional: when given, the suite checks
   * that describe, an aborted step and a replayed key leave it as it was, and that a restart keeps it.
   */
  observe?(): Promise<unknown>;
  /**
   * What `observe()` must show once `request` is done (the router: only the version it sent traffic
   * to answers). Optional: when given, every perform of the suite is checked against the platform.
   */
  observedAfter?(request: BaseRequest): unknown;
  /**
   * Close the provider and build a new one over the same state directory, as a restarted ripcord
   * would; the suite then uses the returned provider. Optional: for providers that keep state on disk.
   */
  restart?(): Promise<Provider>;
  cleanup?(): Promise<void>;
}

export const contractRelease = (overrides: Partial<ReleaseRef> = {}): ReleaseRef => ({
  id: 'rel_contract_2',
  service: 'shop',
  environment: 'production',
  version: '2.0.0',
  snapshots: [],
  ...overrides,
});

export const contractTarget = (overrides: Partial<ReleaseRef> = {}): ReleaseRef => ({
  id: 'rel_contract_1',
  service: 'shop',
  environment: 'production',
  version: '1.0.0',
  snapshots: [],
  ...overrides,
});

let keys = 0;
const freshKey = (): string => `contract-${process.pid}-${Date.now()}-${++keys}`;

function full(base: BaseRequest, idempotencyKey: string, signal: AbortSignal = new AbortController().signal): StepRequest {
  return { ...base, idempotencyKey, signal, log: () => {} };
}

const withoutTimings = (result: StepResult): unknown => JSON.parse(JSON.stringify(result));

/**
 * The shared provider contract: every provider's test file calls this once. It registers vitest
 * tests, so it must be called at the top level of a test file (or inside a `describe`).
 */
export function runProviderContract(
  name: string,
  makeFixture: () => Promise<ProviderFixture> | ProviderFixture,
  /** Which optional checks this provider's fixture supports: declared here, so no test is registered only to be skipped. */
  hooks: { observe?: boolean; restart?: boolean } = {},
): void {
  describe(`provider contract: ${name}`, () => {
    let fixture: ProviderFixture;

    beforeAll(async () => {
      fixture = await makeFixture();
    });

    /** The request performed last shows on the platform (when the fixture says what it must show). */
    async function expectObserved(request: BaseRequest): Promise<void> {
      if (fixture.observe && fixture.observedAfter) expect(await fixture.observe(), `after ${request.action}`).toEqual(fixture.observedAfter(request));
    }

    afterAll(async () => {
      await fixture?.cleanup?.();
      await fixture?.provider.close?.();
    });

    it('names its kind and lists its actions, and every action it is asked for is listed', async () => {
      const { provider } = fixture;
      expect(provider.kind).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(provider.actions.length).toBeGreaterThan(0);
      expect(new Set(provider.actions).size).toBe(provider.actions.length);
      const requests = [await fixture.request(), ...((await fixture.describeRequests?.()) ?? [])];
      for (const request of requests) expect(provider.actions).toContain(request.action);
    });

    it('every capability it declares names one of its actions', () => {
      const { capabilities } = fixture.provider;
      for (const key of ['previousRelease', 'deploy', 'traffic', 'promote', 'snapshot'] as const) {
        const action = capabilities?.[key];
        if (action !== undefined) expect(fixture.provider.actions, `capabilities.${key}`).toContain(action);
      }
      if (capabilities?.lifecycle) expect(typeof fixture.provider.open).toBe('function');
    });

    it('describe says what it would do, in words, and does nothing observable', async () => {
      const before = await fixture.effects();
      const seen = await fixture.observe?.();
      const requests = [await fixture.request(), ...((await fixture.describeRequests?.()) ?? [])];
      for (const request of requests) {
        const text = fixture.provider.describe({ ...request, idempotencyKey: freshKey() });
        expect(typeof text).toBe('string');
        expect(text.trim().length).toBeGreaterThan(10);
      }
      expect(await fixture.effects()).toBe(before);
      if (fixture.observe) expect(await fixture.observe()).toEqual(seen);
    });

    it('performs once per idempotency key: the same key twice acts once and returns the same result', async () => {
      const key = freshKey();
      const before = await fixture.effects();
      const request = await fixture.request();
      const first = await fixture.provider.perform(full(request, key));
      expect(first.summary.trim().length).toBeGreaterThan(0);
      expect(await fixture.effects()).toBe(before + 1);
      await expectObserved(request);
      const second = await fixture.provider.perform(full(request, key));
      expect(await fixture.effects()).toBe(before + 1);
      await expectObserved(request);
      expect(withoutTimings(second)).toEqual(withoutTimings(first));
    });

    it('a different idempotency key acts again', async () => {
      const before = await fixture.effects();
      for (let i = 0; i < 2; i++) {
        const request = await fixture.request();
        await fixture.provider.perform(full(request, freshKey()));
        await expectObserved(request);
      }
      expect(await fixture.effects()).toBe(before + 2);
    });

    it('an aborted signal stops the action with a clear error and acts not at all', async () => {
      const before = await fixture.effects();
      const seen = await fixture.observe?.();
      const controller = new AbortController();
      controller.abort(new Error('operator cancelled the plan'));
      const error = await fixture.provider.perform(full(await fixture.request(), freshKey(), controller.signal)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'perform must reject when its signal is already aborted').toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/abort|cancel/i);
      expect(await fixture.effects()).toBe(before);
      if (fixture.observe) expect(await fixture.observe()).toEqual(seen);
    });

    (hooks.observe ? it : () => undefined)('a key replayed with a changed request (a resumed plan re-reading the ledger) still acts once', async () => {
      if (!fixture.observe) throw new Error(`${name}: the fixture declares observe but gives no observe()`);
      const key = freshKey();
      const before = await fixture.effects();
      const request = await fixture.request();
      const first = await fixture.provider.perform(full(request, key));
      await expectObserved(request);
      const seen = await fixture.observe();
      // The fixture's next request differs (the router's points traffic the other way): acting on it would show.
      const again = await fixture.provider.perform(full(await fixture.request(), key));
      expect(await fixture.effects()).toBe(before + 1);
      expect(await fixture.observe()).toEqual(seen);
      expect(withoutTimings(again)).toEqual(withoutTimings(first));
    });

    (hooks.restart ? it : () => undefined)('after a restart the effect is still there and a step resumed under its key acts not again', async () => {
      if (!fixture.restart) throw new Error(`${name}: the fixture declares restart but gives no restart()`);
      const key = freshKey();
      const before = await fixture.effects();
      const request = await fixture.request();
      const first = await fixture.provider.perform(full(request, key));
      const seen = await fixture.observe?.();
      fixture.provider = await fixture.restart();
      await expectObserved(request);
      expect(await fixture.effects(), 'a restart alone must not act or forget what was done').toBe(before + 1);
      if (fixture.observe) expect(await fixture.observe()).toEqual(seen);
      const resumed = await fixture.provider.perform(full(await fixture.request(), key));
      expect(await fixture.effects()).toBe(before + 1);
      if (fixture.observe) expect(await fixture.observe()).toEqual(seen);
      expect(withoutTimings(resumed)).toEqual(withoutTimings(first));
      const after = await fixture.request();
      await fixture.provider.perform(full(after, freshKey()));
      await expectObserved(after);
      expect(await fixture.effects()).toBe(before + 2);
    });

    it('an unknown action is refused with a RipcordError naming the allowed actions', async () => {
      const request = { ...(await fixture.request()), action: 'definitely_not_an_action' };
      const error = await fixture.provider.perform(full(request, freshKey())).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRipcordError(error)).toBe(true);
      for (const action of fixture.provider.actions) expect((error as Error).message).toContain(action);
      expect(() => fixture.provider.describe({ ...request, idempotencyKey: freshKey() })).toThrow(/allowed actions/);
    });

    it('errors and results never contain secrets', async () => {
      const result = await fixture.provider.perform(full(await fixture.request(), freshKey()));
      const { request, secret } = await fixture.failure();
      expect(secret.length, 'a secret of at least 4 characters (shorter ones are not redacted)').toBeGreaterThanOrEqual(4);
      registerSecret(secret);
      const error = await fixture.provider.perform(full(request, freshKey())).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'the failure request must fail').toBeInstanceOf(Error);
      expect((error as Error).message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(JSON.stringify(result)).not.toContain(secret);
    });
  });
}
