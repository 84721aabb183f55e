import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import type { FlagChange, FlagDefinition, FlagRecord } from '../../flags/flag-definition.js';
import type { FlagDocument } from '../../flags/flag-service.js';
import type { FlagDiffEntry } from '../../flags/release-flags.js';
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
  /** A whole flagd document (flags, $evaluators, set metadata), already checked by readFlagsFile. */
  load(document: FlagDocument): Promise<{ flags: FlagRecord[] }>;
  diff(from: string, to: string): Promise<{ from: string; to: string; flags: FlagDiffEntry[] }>;
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
      load: (document) => client.request('PUT', `${base}${q}`, { flags: document.flags, $evaluators: document.evaluators, metadata: document.metadata }),
      diff: (from, to) => {
        const diffQuery = new URLSearchParams({ ...(options.service ? { service: options.service } : {}), from, to }).toString();
        return client.request('GET', `api/v1/environments/${encodeURIComponent(options.env)}/flag-diff?${diffQuery}`);
      },
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
    load: (document) => flags.putDocument(service, options.env, document, actor, options.reason),
    diff: async (from, to) => {
      const [{ ReleaseFlags, releaseIdOf }, { KyselyFlagRepository }] = await Promise.all([import('../../flags/release-flags.js'), import('../../store/kysely-flag-repository.js')]);
      const [a, b] = await Promise.all([releaseIdOf(root.ledger, service, options.env, from, 'release-a'), releaseIdOf(root.ledger, service, options.env, to, 'release-b')]);
      return { from: a, to: b, flags: await new ReleaseFlags(flags, new KyselyFlagRepository(root.store.db)).diff(a, b) };
    },
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
      else print(table(['FLAG', 'STATE', 'VERSION', 'DEFAULT', 'CHANGED BY', 'WHEN'], list.map((f) => [f.key, f.definition.state === 'ENABLED' ? 'on' : 'OFF', `v${f.version}`, f.definition.defaultVariant || '(caller default)', f.updatedBy, when(f.updatedAt)])));
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

  withOptions(flags.command('load <flagd-file>').description('load a whole flagd file: its flags, $evaluators and flag-set metadata, in one change').option('--reason <text>', 'why, for the history'))
    .addHelpText('after', '\nExample:\n  ripcord flags load flags.json --env production --reason "sync from flagd"')
    .action(async (file: string, options: FlagsOptions) => {
      const { readFlagsFile } = await import('../../flags/flag-config-sync.js');
      const document = readFlagsFile(file);
      const loaded = await using(options, (access) => access.load(document));
      if (options.json) printJson(loaded);
      else print(`loaded ${loaded.flags.length} flags into ${options.env}: ${loaded.flags.map((f) => `${f.key} v${f.version}`).join(', ') || 'none'}`);
    });

  withOptions(flags.command('diff <release-a> <release-b>').description('what changed in flags between two releases (versions or ids), from the snapshots taken with them'))
    .addHelpText('after', '\nExample:\n  ripcord flags diff 1.4.2 1.5.0 --env production')
    .action(async (a: string, b: string, options: FlagsOptions) => {
      const diff = await using(options, (access) => access.diff(a, b));
      if (options.json) printJson(diff);
      else if (diff.flags.length === 0) print(`no flag changed between ${a} and ${b}`);
      else
        print(
          table(
            ['FLAG', a, b, 'CHANGED'],
            diff.flags.map((f) => [f.key, f.a ? `v${f.a.version} ${f.a.state === 'ENABLED' ? 'on' : 'OFF'}` : '(absent)', f.b ? `v${f.b.version} ${f.b.state === 'ENABLED' ? 'on' : 'OFF'}` : '(absent)', f.fields.join(', ') || '-']),
          ),
        );
    });

  withOptions(flags.command('history <key>').description('every version of a flag: who, when, why'))
    .addHelpText('after', '\nExample:\n  ripcord flags history splitViewLayout --env production')
    .action(async (key: string, options: FlagsOptions) => {
      const changes = await using(options, (access) => access.history(key));
      if (options.json) printJson({ changes });
      else print(table(['VERSION', 'STATE', 'BY', 'WHEN', 'REASON'], changes.map((c) => [`v${c.version}`, c.definition.state === 'ENABLED' ? 'on' : 'OFF', c.actor, when(c.at), c.reason ?? '-'])));
    });
}
