import fc from 'fast-check';

/** The JSON Schema subset zod's `toJSONSchema` writes into the OpenAPI document. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

/** Strings that have broken servers before: escapes, prototype keys, path tricks, huge and odd text. */
export const HOSTILE_STRINGS = ['%', '%ff', '%00', '__proto__', 'constructor', '../../etc/passwd', '', ' ', '\u0000', 'ñ', '😀', 'a'.repeat(5000), 'null', '{}', '+275760-09-13T00:00:00.001Z', '9999-12-31T23:59:59Z'];
const HOSTILE_NUMBERS = [0, -1, 1e308, -1e308, 8.64e15 + 1, Number.MAX_SAFE_INTEGER, 0.5, -0];

/** Deeply nested JSON text, the kind that overflows recursive code (built as text: JSON.stringify would overflow too). */
export const deepJson = (depth: number): string => {
  const open: string[] = [];
  for (let i = 0; i < depth; i++) open.push(i % 2 ? '[' : '{"a":');
  return `${open.join('')}1${open.reverse().map((o) => (o === '[' ? ']' : '}')).join('')}`;
};

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, null, true, [], {}),
  fc.integer({ min: 10, max: 300 }).map((depth) => JSON.parse(deepJson(depth)) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * Values shaped by a schema, most of them valid-looking so requests get past the first check, with
 * hostile values mixed in at every level (wrong types, extreme numbers and times, prototype keys,
 * unknown fields, deep nesting).
 */
export function arbitraryFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostile;
  return fc.oneof({ weight: 6, arbitrary: shaped(schema, depth) }, { weight: 1, arbitrary: hostile });
}

function shaped(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return fc.oneof(...variants.map((v) => arbitraryFor(v, depth + 1)));
  if (schema.allOf?.length) return arbitraryFor(schema.allOf[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') {
        return fc.oneof(fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom(...HOSTILE_STRINGS));
      }
      return fc.oneof(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }), fc.constantFrom(...HOSTILE_STRINGS));
    case 'integer':
      return fc.oneof(fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1e6, Number.MAX_SAFE_INTEGER) }), fc.constantFrom(...HOSTILE_NUMBERS));
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...HOSTILE_NUMBERS));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryFor(schema.items, depth + 1), { maxLength: 4 });
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const known = fc.record(Object.fromEntries(properties.map(([key, value]) => [key, arbitraryFor(value, depth + 1)])), {
        requiredKeys: properties.map(([key]) => key).filter((key) => required.has(key)),
      });
      // Sometimes an unknown or prototype key rides along.
      const extra = fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'extra', 'utm_source'), hostile), { freq: 4 });
      return fc.tuple(known, extra).map(([value, more]) => {
        if (!more) return value;
        const copy: Record<string, unknown> = { ...value };
        Object.defineProperty(copy, more[0], { value: more[1], enumerable: true, configurable: true, writable: true });
        return copy;
      });
    }
    default:
      return hostile;
  }
}
