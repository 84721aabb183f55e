import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import type { FlagChange, FlagDefinition, FlagRecord } from '../../flags/flag-definition.js';
import { optionalConfig } from '../config-file.js';
import { addDataSourceOptions, type DataSourceOptions, resolveDataSource } from '../data-source.js';
import { print, printJson, table, when } from '../output.js';

interface FlagsOptions extends DataSourceOptions {
  env: string;
  service?: string;
  reason?: string;
  json?: boolean;
}

/** Flags as the CLI sees them: through a running server, or straight from the local store. */
interface FlagAccess {
  list(): Promise<FlagRecord[]>;
  get(key: string): Promise<FlagRecord>;
  put(key: string, definition: FlagDefinition): Promise<FlagRecord>;
  setEnabled(changes: Record<string, { enabled: boolean }>): Promise<{ key: string; enabled: boolean; version: number }[]>;
  history(key: string): Promise<FlagChange[]>;
  close(): Promise<void>;
}

async function openFlags(options: FlagsOptions): Promise<FlagAccess> {
  const source = resolveDataSource(options);
  if (source.kind === 'server') {
    const { client } = source;
    const query = new URLSearchParams({ ...(options.service ? { service: options.service } : {}), ...(options.reason ? { reason: options.reason } : {}) }).toString();
    const base = `api/v1/environments/${encodeURIComponent(options.env)}/flags`;
    const q = query ? `?${query}` : '';
    return {
      list: async () => (await client.request<{ flags: FlagRecord[] }>('GET', `${base}${q}`)).flags,
      get: (key) => client.request('GET', `${base}/${encodeURIComponent(key)}${q}`),
      put: (key, definition) => client.request('PUT', `${base}/${encodeURIComponent(key)}${q}`, definition),
      setEnabled: async (changes) => (await client.request<{ flags: { key: string; enabled: boolean; version: number }[] }>('PATCH', `${base}${q}`, changes)).flags,
      history: async (key) => (await client.request<{ changes: FlagChange[] }>('GET', `${base}/${encodeURIComponent(key)}/history${q}`)).changes,
      close: async () => undefined,
    };
  }
  const service = options.service ?? (await optionalConfig(options.config))?.service;
  if (!service) throw new RipcordError('usage', '--service is required (or run next to a ripcord.yaml that names the service)');
  const { LocalCompositionRoot } = await import('../../local-composition-root.js');
  const root = await LocalCompositionRoot.open(source);
  const flags = await root.flags();
  const { actor } = root;
  return {
    list: () => flags.list(service, options.env),
    get: (key) => flags.get(service, options.env, key),
    put: (key, definition) => flags.put(service, options.env, key, definition, actor, options.reason),
    setEnabled: async (changes) => (await flags.setEnabled(service, options.env, changes, actor, options.reason)).map((f) => ({ key: f.key, enabled: f.definition.state === 'ENABLED', version: f.version })),
    history: (key) => flags.history(service, options.env, key),
    close: () => root.close(),
  };
}

async function using<T>(options: FlagsOptions, work: (flags: FlagAccess) => Promise<T>): Promise<T> {
  const access = await openFlags(options);
  try {
    return await work(access);
  } finally {
    await access.close();
  }
}

function withOptions(command: Command): Command {
  return addDataSourceOptions(
    command
      .requiredOption('--env <environment>', 'environment, e.g. production')
      .option('--service <service>', 'service (default: the one in ripcord.yaml)')
      .option('--json', 'print as JSON'),
  );
}

const describeFlag = (f: FlagRecord) => `${f.key}  ${f.definition.state === 'ENABLED' ? 'on ' : 'OFF'}  v${f.version}  default=${f.definition.defaultVariant}  by ${f.updatedBy} ${when(f.updatedAt)}`;

export function registerFlags(program: Command): void {
  const flags = program.command('flags').description('feature flags and kill switches (flagd format, served over OFREP)');

  withOptions(flags.command('list').description("an environment's flags"))
    .addHelpText('after', '\nExample:\n  ripcord flags list --env production')
    .action(async (options: FlagsOptions) => {
      const list = await using(options, (access) => access.list());
      if (options.json) printJson({ flags: list });
      else if (list.length === 0) print(`no flags in ${options.env}`);
      else print(table(['FLAG', 'STATE', 'VERSION', 'DEFAULT', 'CHANGED BY', 'WHEN'], list.map((f) => [f.key, f.definition.state === 'ENABLED' ? 'on' : 'OFF', `v${f.version}`, f.definition.defaultVariant, f.updatedBy, when(f.updatedAt)])));
    });

  withOptions(flags.command('get <key>').description('one flag with its definition'))
    .addHelpText('after', '\nExample:\n  ripcord flags get splitViewLayout --env production --json')
    .action(async (key: string, options: FlagsOptions) => {
      const flag = await using(options, (access) => access.get(key));
      if (options.json) printJson(flag);
      else {
        print(describeFlag(flag));
        print(JSON.stringify(flag.definition, null, 2));
      }
    });

  withOptions(flags.command('set <key> <definition-file>').description('create or replace a flag from a flagd definition (JSON file, - for stdin)').option('--reason <text>', 'why, for the history'))
    .addHelpText('after', '\nExample:\n  ripcord flags set splitViewLayout split-view.json --env production --reason "launch"')
    .action(async (key: string, file: string, options: FlagsOptions) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
      } catch (error) {
        throw new RipcordError('usage', `${file}: not readable JSON (${(error as Error).message})`);
      }
      const { flagDefinitionSchema } = await import('../../flags/flag-definition.js');
      const definition = flagDefinitionSchema.safeParse(parsed);
      if (!definition.success) throw new RipcordError('invalid_input', `${file}: ${definition.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      const flag = await using(options, (access) => access.put(key, definition.data));
      if (options.json) printJson(flag);
      else print(describeFlag(flag));
    });

  for (const [name, enabled] of [
    ['off', false],
    ['on', true],
  ] as const) {
    withOptions(flags.command(`${name} <keys...>`).description(enabled ? 'turn flags back on' : 'kill switch: turn flags off, all or none').option('--reason <text>', 'why, for the history'))
      .addHelpText('after', `\nExample:\n  ripcord flags ${name} splitViewLayout aiSummarization --env production --reason "P1: split view crashes"`)
      .action(async (keys: string[], options: FlagsOptions) => {
        const changed = await using(options, (access) => access.setEnabled(Object.fromEntries(keys.map((key) => [key, { enabled }]))));
        if (options.json) printJson({ flags: changed });
        else for (const f of changed) print(`${f.key} is ${f.enabled ? 'on' : 'OFF'} (v${f.version})`);
      });
  }

  withOptions(flags.command('history <key>').description('every version of a flag: who, when, why'))
    .addHelpText('after', '\nExample:\n  ripcord flags history splitViewLayout --env production')
    .action(async (key: string, options: FlagsOptions) => {
      const changes = await using(options, (access) => access.history(key));
      if (options.json) printJson({ changes });
      else print(table(['VERSION', 'STATE', 'BY', 'WHEN', 'REASON'], changes.map((c) => [`v${c.version}`, c.definition.state === 'ENABLED' ? 'on' : 'OFF', c.actor, when(c.at), c.reason ?? '-'])));
    });
}
