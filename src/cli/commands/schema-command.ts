import type { Command } from 'commander';
import { printJson } from '../output.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of ripcord.yaml, for editors')
    .addHelpText('after', '\nExample:\n  ripcord schema > ripcord.schema.json\n  # then, first line of ripcord.yaml:  # yaml-language-server: $schema=./ripcord.schema.json')
    .action(async () => {
      const { configJsonSchema } = await import('../../config/json-schema.js');
      printJson(configJsonSchema());
    });
}
