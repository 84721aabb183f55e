import type { Command } from 'commander';
import { configJsonSchema } from '../../config/json-schema.js';
import { printJson } from '../output.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of ripcord.yaml, for editors')
    .addHelpText('after', '\nExample:\n  ripcord schema > ripcord.schema.json\n  # then, first line of ripcord.yaml:  # yaml-language-server: $schema=./ripcord.schema.json')
    .action(() => printJson(configJsonSchema()));
}
