import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { CommandProvider } from './command/command-provider.js';
import { GitProvider } from './git/git-provider.js';
import { createEnvironmentProviders, createProvider, deployActions, previousReleaseActions, providerStepAction } from './provider-registry.js';

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

  it('names, for each kind, actions the provider really has', () => {
    for (const [kind, action] of [...Object.entries(previousReleaseActions), ...Object.entries(deployActions)]) {
      const config = kind === 'git' ? { kind, repository: '/x' } : kind === 'command' ? { kind, deploy: 'true' } : { kind };
      expect(createProvider(config as never, { stateDir }).actions).toContain(action);
    }
  });

  it('refuses a kind with no implementation by name', () => {
    expect(() => createProvider({ kind: 'docker', container: 'web', image: 'web:1' }, { stateDir })).toThrow(
      /cannot act through a "docker" provider yet \(available here: memory, command, git, router, process\)/,
    );
  });
});
