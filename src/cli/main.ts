import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerDecision } from './commands/decision-command.js';
import { registerDeploy } from './commands/deploy-command.js';
import { registerDeployments } from './commands/deployments-command.js';
import { registerFlags } from './commands/flags-command.js';
import { registerIncident } from './commands/incident-command.js';
import { registerInit } from './commands/init-command.js';
import { registerKeys } from './commands/keys-command.js';
import { registerRelease } from './commands/release-command.js';
import { registerRollback } from './commands/rollback-command.js';
import { registerSchema } from './commands/schema-command.js';
import { registerServe } from './commands/serve-command.js';
import { registerStatus } from './commands/status-command.js';
import { registerToken } from './commands/token-command.js';
import { registerValidate } from './commands/validate-command.js';
import { registerWatch } from './commands/watch-command.js';
import { describeError, exitCodeFor } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('ripcord')
    .description('ripcord — your rollback plan, executable')
    .version(VERSION)
    .showSuggestionAfterError(true)
    // Program options only before the command, so `deploy record --version v1.2.4` means the release.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of [registerServe, registerValidate, registerSchema, registerInit, registerDeploy, registerDeployments, registerStatus, registerToken, registerFlags, registerWatch, registerDecision, registerRollback, registerRelease, registerIncident, registerKeys]) {
    register(program);
  }
  // Subcommands inherit exitOverride only when set on each; do it once for the whole tree.
  const walk = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(walk);
  };
  walk(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (!(error instanceof CommanderError)) process.stderr.write(`${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}
