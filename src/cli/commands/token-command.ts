import type { Command } from 'commander';
import { isRole, ROLES, type Role } from '../../auth/roles.js';
import type { ApiToken } from '../../auth/token-service.js';
import { RipcordError } from '../../core/errors.js';
import { resolveDataSource } from '../data-source.js';
import { print, printJson, table, when } from '../output.js';

interface TokenOptions {
  server?: string;
  token?: string;
  dataDir?: string;
  database?: string;
  json?: boolean;
}

interface TokenAccess {
  create(input: { name: string; role: Role; environments?: string[] | undefined }): Promise<{ token: ApiToken; secret: string }>;
  list(): Promise<ApiToken[]>;
  revoke(idOrName: string): Promise<void>;
  close(): Promise<void>;
}

/** Through the server (needs an admin token), or on the local store (for the first admin, or recovery). */
async function openTokens(options: TokenOptions): Promise<TokenAccess> {
  const source = resolveDataSource(options);
  if (source.kind === 'server') {
    const { client } = source;
    return {
      create: (input) => client.request('POST', 'api/v1/tokens', input),
      list: async () => (await client.request<{ tokens: ApiToken[] }>('GET', 'api/v1/tokens')).tokens,
      revoke: async (id) => {
        await client.request('DELETE', `api/v1/tokens/${encodeURIComponent(id)}`);
      },
      close: async () => undefined,
    };
  }
  const { LocalCompositionRoot } = await import('../../local-composition-root.js');
  const root = await LocalCompositionRoot.open(source);
  const service = await root.tokens();
  const { actor } = root;
  return {
    create: (input) => service.create(input, actor),
    list: () => service.list(),
    revoke: (id) => service.revoke(id, actor),
    close: () => root.close(),
  };
}

function withSource(command: Command): Command {
  return command
    .option('--server <url>', 'ripcord server (env RIPCORD_SERVER); without it, the local store')
    .option('--token <token>', 'an admin token for --server (env RIPCORD_TOKEN)')
    .option('--data-dir <dir>', 'local store directory (default ./.ripcord)')
    .option('--database <url>', 'local store on PostgreSQL (env RIPCORD_DATABASE_URL)')
    .option('--json', 'print as JSON');
}

async function using<T>(options: TokenOptions, work: (tokens: TokenAccess) => Promise<T>): Promise<T> {
  const tokens = await openTokens(options);
  try {
    return await work(tokens);
  } finally {
    await tokens.close();
  }
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens: create (shown once), list, revoke');

  withSource(
    token
      .command('create')
      .description('create a token; its secret is printed once and never stored')
      .requiredOption('--name <name>', 'what the token is for, e.g. ci-deployer (it signs the audit log)')
      .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
      .option('--env <environment>', 'limit the token to this environment; repeatable', (v: string, all: string[]) => [...all, v], [] as string[]),
  )
    .addHelpText('after', '\nExample:\n  ripcord token create --name ci-deployer --role operator --env production')
    .action(async (options: TokenOptions & { name: string; role: string; env: string[] }) => {
      if (!isRole(options.role)) throw new RipcordError('usage', `--role must be one of ${ROLES.join(', ')}, not "${options.role}"`);
      const role = options.role;
      const created = await using(options, (tokens) => tokens.create({ name: options.name, role, environments: options.env.length ? options.env : undefined }));
      if (options.json) printJson(created);
      else {
        print(`created token ${created.token.name} (${created.token.role}${created.token.environments ? `, ${created.token.environments.join(', ')} only` : ''})`);
        print(`secret (shown once): ${created.secret}`);
      }
    });

  withSource(token.command('list').description('list tokens: names, roles, prefixes, last use; never secrets'))
    .addHelpText('after', '\nExample:\n  ripcord token list --server http://127.0.0.1:4747')
    .action(async (options: TokenOptions) => {
      const tokens = await using(options, (access) => access.list());
      if (options.json) printJson({ tokens });
      else print(table(['NAME', 'ROLE', 'ENVIRONMENTS', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'], tokens.map((t) => [t.name, t.role, t.environments?.join(',') ?? 'all', t.prefix, when(t.createdAt), when(t.lastUsedAt), t.revokedAt ? when(t.revokedAt) : '-'])));
    });

  withSource(token.command('revoke <id-or-name>').description('revoke a token now'))
    .addHelpText('after', '\nExample:\n  ripcord token revoke ci-deployer')
    .action(async (id: string, options: TokenOptions) => {
      await using(options, (access) => access.revoke(id));
      if (options.json) printJson({ revoked: id });
      else print(`revoked ${id}`);
    });
}
