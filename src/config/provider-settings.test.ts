import { describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.js';
import { configJsonSchema } from './json-schema.js';
import { parseConfig } from './load-config.js';

const env = { DATABASE_URL: 'postgres://app:db-secret-pass@127.0.0.1:5432/shop' };

const config = (production: string): string => `service: shop
environments:
  production:
    provider: { kind: memory }
${production
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
`;

function problems(text: string): string[] {
  const result = parseConfig(text, 'ripcord.yaml', env);
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('provider settings per environment (database, config_files, git)', () => {
  it('accepts them, fills defaults and resolves ${VARS}', () => {
    const result = parseConfig(
      config(`database: { url: \${DATABASE_URL}, migrations: prisma/migrations }
config_files: [.env.production]
git: { repository: ../deploy.git, branch: main }
rollback: [ { database: down-migrations }, { config: restore }, previous_release ]`),
      'ripcord.yaml',
      env,
    );
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const production = result.config.environments.production;
    expect(production?.database).toEqual({
      kind: 'postgres',
      url: env.DATABASE_URL,
      migrations: 'prisma/migrations',
      migrations_table: '_prisma_migrations',
      allow_data_loss: false,
    });
    expect(production?.config_files).toEqual(['.env.production']);
    expect(production?.git).toEqual({ repository: '../deploy.git', branch: 'main' });
  });

  it('a database step needs a database section; down-migrations needs its folder; config restore needs config_files', () => {
    expect(problems(config('rollback: [ { database: restore, allow_data_loss: true }, { config: restore } ]'))).toEqual([
      'ripcord.yaml:5:29 environments.production.rollback[0].database: a database step needs a "database" section in this environment (url, and migrations for down-migrations)',
      'ripcord.yaml:5:73 environments.production.rollback[1].config: a config restore step needs "config_files" in this environment, e.g. config_files: [.env.production]',
    ]);
    expect(problems(config('database: { url: ${DATABASE_URL} }\nrollback: [ { step: { database: down-migrations }, fallback: { database: restore } } ]'))).toEqual([
      "ripcord.yaml:6:37 environments.production.rollback[0].step.database: down-migrations needs database.migrations: the folder with each migration's down.sql",
    ]);
  });

  it('names a bad field clearly', () => {
    const found = problems(config('database: { url: mysql://x/y, allow_data_los: true }\nconfig_files: []'));
    expect(found.join('\n')).toMatch(/database\.url: expected a PostgreSQL URL/);
    expect(found.join('\n')).toMatch(/allow_data_los/);
    expect(found.join('\n')).toMatch(/config_files: list at least one file/);
  });

  it('is part of the published JSON Schema', () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).toContain('config_files');
    expect(text).toContain('migrations_table');
  });
});
