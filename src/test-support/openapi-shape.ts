/**
 * Checks a JSON value against one schema of a published OpenAPI/Swagger document (types, properties,
 * items, required, enums) with one rule stricter than JSON Schema's default: a property the schema
 * does not list fails, unless the schema allows `additionalProperties`. That is what makes a fake's
 * faithfulness checkable: a field the platform does not document is a finding, not noise.
 */
export interface OpenApiSchema {
  type?: string | string[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: boolean | OpenApiSchema;
  items?: OpenApiSchema;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
  'x-nullable'?: boolean;
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
}

export function schemaProblems(value: unknown, schema: OpenApiSchema, resolve: (ref: string) => OpenApiSchema, path = '$'): string[] {
  if (schema.$ref) return schemaProblems(value, resolve(schema.$ref), resolve, path);
  if (schema.allOf) return schema.allOf.flatMap((part) => schemaProblems(value, { ...part, additionalProperties: true }, resolve, path));
  const options = schema.oneOf ?? schema.anyOf;
  if (options) return options.some((option) => schemaProblems(value, option, resolve, path).length === 0) ? [] : [`${path}: matches none of ${options.length} alternatives`];
  if (value === null) return schema.nullable || schema['x-nullable'] || (Array.isArray(schema.type) && schema.type.includes('null')) ? [] : [`${path}: null is not allowed`];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const actual = Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  if (types.length && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${path}: expected ${types.join('|')}, got ${actual}`];
  if (Array.isArray(value)) return schema.items ? value.flatMap((item, i) => schemaProblems(item, schema.items as OpenApiSchema, resolve, `${path}[${i}]`)) : [];
  if (actual !== 'object' || (!schema.properties && schema.additionalProperties === undefined)) return [];
  const object = value as Record<string, unknown>;
  const problems = (schema.required ?? []).filter((key) => !(key in object)).map((key) => `${path}.${key}: required`);
  for (const [key, item] of Object.entries(object)) {
    const known = schema.properties?.[key];
    if (known) problems.push(...schemaProblems(item, known, resolve, `${path}.${key}`));
    else if (typeof schema.additionalProperties === 'object') problems.push(...schemaProblems(item, schema.additionalProperties, resolve, `${path}.${key}`));
    else if (schema.additionalProperties !== true) problems.push(`${path}.${key}: not in the published schema`);
  }
  return problems;
}

/** `#/definitions/x` or `#/components/schemas/x` inside `document`. */
export function refResolver(document: Record<string, unknown>): (ref: string) => OpenApiSchema {
  return (ref) => {
    let node: unknown = document;
    for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part];
    if (!node) throw new Error(`unresolved $ref ${ref}`);
    return node as OpenApiSchema;
  };
}
