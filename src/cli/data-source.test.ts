import { describe, expect, it } from 'vitest';
import { type DataSource, resolveDataSource } from './data-source.js';

const quickstart = () => ({ server: 'http://127.0.0.1:4747', token: 'rcp_quickstart-token', environment: 'production' });
const none = () => ({});
const summary = (source: DataSource) =>
  source.kind === 'server' ? { kind: source.kind, server: source.server, token: source.token, from: source.from } : { kind: source.kind, dataDir: source.dataDir, databaseUrl: source.databaseUrl };

/** Where the CLI's data comes from, decided in one place for every command. */
describe('resolveDataSource', () => {
  it('takes --server over RIPCORD_SERVER over the quickstart, and the local store last', () => {
    const env = { RIPCORD_SERVER: 'http://env:1', RIPCORD_TOKEN: 'rcp_env' };
    expect(summary(resolveDataSource({ server: 'http://flag:1', token: 'rcp_flag' }, env, quickstart))).toEqual({ kind: 'server', server: 'http://flag:1', token: 'rcp_flag', from: 'flag' });
    expect(summary(resolveDataSource({}, env, quickstart))).toEqual({ kind: 'server', server: 'http://env:1', token: 'rcp_env', from: 'env' });
    expect(summary(resolveDataSource({}, {}, quickstart))).toEqual({ kind: 'server', server: 'http://127.0.0.1:4747', token: 'rcp_quickstart-token', from: 'quickstart' });
    expect(summary(resolveDataSource({}, {}, none))).toEqual({ kind: 'local', dataDir: '.ripcord', databaseUrl: undefined });
  });

  it('treats an empty flag or variable as unset, the same for every command', () => {
    expect(summary(resolveDataSource({ server: '' }, { RIPCORD_SERVER: '', RIPCORD_DATABASE_URL: '' }, none))).toEqual({ kind: 'local', dataDir: '.ripcord', databaseUrl: undefined });
    expect(summary(resolveDataSource({ token: '' }, { RIPCORD_SERVER: 'http://env:1', RIPCORD_TOKEN: 'rcp_env' }, none))).toMatchObject({ token: 'rcp_env' });
  });

  it('never sends the quickstart token to a server named another way', () => {
    expect(summary(resolveDataSource({}, { RIPCORD_SERVER: 'http://elsewhere:1' }, quickstart))).toEqual({ kind: 'server', server: 'http://elsewhere:1', token: undefined, from: 'env' });
    expect(summary(resolveDataSource({ server: 'http://elsewhere:1' }, {}, quickstart))).toMatchObject({ token: undefined });
  });

  it('uses the local store when one is asked for, even with a server configured', () => {
    const env = { RIPCORD_SERVER: 'http://env:1', RIPCORD_DATABASE_URL: 'postgres://db/ripcord' };
    expect(summary(resolveDataSource({ dataDir: '/tmp/x' }, env, quickstart))).toEqual({ kind: 'local', dataDir: '/tmp/x', databaseUrl: 'postgres://db/ripcord' });
    expect(summary(resolveDataSource({ database: 'postgres://other/db' }, env, quickstart))).toMatchObject({ kind: 'local', databaseUrl: 'postgres://other/db' });
    expect(summary(resolveDataSource({ local: true }, env, quickstart))).toMatchObject({ kind: 'local' });
  });
});
