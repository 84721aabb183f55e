import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import { print, printJson } from '../output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate [file]')
    .description('check ripcord.yaml and report every problem at once, with file:line:column and field')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  ripcord validate                 # ./ripcord.yaml\n  ripcord validate deploy/ripcord.yaml --json')
    .action(async (file: string | undefined, options: { json?: boolean }) => {
      const [{ formatProblem }, { loadConfigFile }, { triggerKind }] = await Promise.all([
        import('../../config/config-problem.js'),
        import('../../config/load-config.js'),
        import('../../config/schema/triggers-schema.js'),
      ]);
      const path = file ?? 'ripcord.yaml';
      const result = loadConfigFile(path);
      if (!result.ok) {
        if (options.json) printJson({ valid: false, file: path, problems: result.problems });
        else for (const problem of result.problems) print(formatProblem(problem));
        throw new RipcordError('config_invalid', `${path}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
      }
      const envs = Object.values(result.config.environments);
      const triggers = envs.reduce((n, env) => n + env.triggers.length, 0);
      if (options.json) {
        printJson({
          valid: true,
          file: path,
          service: result.config.service,
          environments: envs.map((env) => ({ name: env.name, provider: env.provider?.kind, triggers: env.triggers.map(triggerKind), defaultTriggers: env.defaultTriggers })),
        });
        return;
      }
      print(`${path}: valid — service ${result.config.service}, ${envs.length} environment${envs.length === 1 ? '' : 's'} (${envs.map((env) => env.name).join(', ')}), ${triggers} trigger${triggers === 1 ? '' : 's'}`);
    });
}
