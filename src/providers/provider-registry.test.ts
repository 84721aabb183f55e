import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { CommandProvider } from './command/command-provider.js';
import { GitProvider } from './git/git-provider.js';
import { createEnvironmentProviders, providerStepAction } from './environment-providers.js';
import type { ProviderCapabilities } from './provider.js';
import { capabilitiesFor, createProvider, providerKinds } from './provider-registry.js';
import { providerDefinitions } from './provider-kinds.js';

const stateDir = mkdtempSync(join(tmpdir(), 'ripcord-registry-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const yaml = `service: shop
environments:
  production:
    provider: { kind: command, deploy: ./deploy.sh, rollback: ./rollback.sh }
    database: { url: postgres://postgres@127.0.0.1:5432/shop, migrations: prisma/migrations }
    config_files: [.env.production]
    git: { repository: /srv/deploy.git }
    rollback: [ { database: restore-if-migrated, allow_data_loss: true }, { config: restore }, { command: npm run rollback, timeout: 2m } ]
`;

describe('provider registry', () => {
  it('builds every provider an environment declares', () => {
    const result = parseConfig(yaml, '/srv/app/ripcord.yaml', {});
    if (!result.ok) throw new Error('expected a valid config');
    const env = result.config.environments.production;
    if (!env) throw new Error('no production');
    const providers = createEnvironmentProviders(env, { stateDir, configFile: '/srv/app/ripcord.yaml' });
    expect(providers.main).toBeInstanceOf(CommandProvider);
    expect(providers.command).toBe(providers.main);
    expect(providers.git).toBeInstanceOf(GitProvider);
    expect(providers.database?.describe({ action: 'down_migrations', params: {}, release: { id: 'r', service: 'shop', environment: 'production', version: '2', snapshots: [] }, idempotencyKey: 'k' })).toContain(
      '/srv/app/prisma/migrations',
    );
    expect(providers.config?.actions).toEqual(['snapshot', 'restore']);
    expect((env.rollback ?? []).map(providerStepAction)).toEqual([
      { provider: 'database', action: 'restore_if_migrated', params: { allow_data_loss: true } },
      { provider: 'config', action: 'restore', params: {} },
      { provider: 'command', action: 'run', params: { command: 'npm run rollback', timeout: 120_000 } },
    ]);
  });

  it('every kind declares capabilities whose actions the built provider really has, and the same ones it declares itself', () => {
    const configs: Record<string, unknown> = {
      git: { kind: 'git', repository: '/x' },
      command: { kind: 'command', deploy: 'true' },
      router: { kind: 'router', listen: '127.0.0.1:0' },
      process: { kind: 'process', command: 'true' },
    };
    for (const definition of providerDefinitions) {
      const config = configs[definition.kind] ?? sampleConfig(definition.kind);
      const provider = createProvider(config as never, { stateDir });
      expect(provider.kind).toBe(definition.kind);
      expect(provider.capabilities).toEqual(definition.capabilities);
      const named = Object.entries(definition.capabilities as ProviderCapabilities).filter(([key]) => key !== 'lifecycle' && key !== 'slots');
      expect(named.length, `${definition.kind} declares no capability`).toBeGreaterThan(0);
      for (const [capability, action] of named) expect(provider.actions, `${definition.kind}.${capability}`).toContain(action);
      if (definition.capabilities.lifecycle) expect(typeof provider.open, `${definition.kind} has a lifecycle but no open()`).toBe('function');
    }
  });

  it('answers capabilities by kind and none without a provider', () => {
    expect(capabilitiesFor({ kind: 'git' }).previousRelease).toBe('revert');
    expect(capabilitiesFor(undefined)).toEqual({});
  });

  it('validation accepts exactly the kinds the registry builds, and names them when refusing one', () => {
    const refused = parseConfig('service: shop\nenvironments:\n  production:\n    provider: { kind: docker, container: web, image: web:1 }\n', '/srv/app/ripcord.yaml', {});
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    const text = JSON.stringify(refused.problems);
    for (const kind of providerKinds()) expect(text).toContain(kind);
    expect(text).toContain('provider');
  });
});

/** The smallest valid config of a kind, from its own schema's required string fields. */
function sampleConfig(kind: string): Record<string, unknown> {
  const definition = providerDefinitions.find((d) => d.kind === kind);
  if (!definition) throw new Error(kind);
  const shape = definition.schema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const config: Record<string, unknown> = { kind };
  for (const [field, schema] of Object.entries(shape)) if (field !== 'kind' && !schema.safeParse(undefined).success) config[field] = `sample-${field}`;
  return config;
}
