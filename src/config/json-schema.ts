import { z } from 'zod';
import { configSchema } from './schema/config-schema.js';

/** JSON Schema of `ripcord.yaml` for editors (yaml-language-server, VS Code). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://ripcord.dev/schema/ripcord.schema.json',
    title: 'ripcord.yaml',
    description: 'ripcord: your rollback plan, executable. One file per service.',
  };
}
