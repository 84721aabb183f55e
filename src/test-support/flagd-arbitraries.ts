import fc from 'fast-check';

/**
 * fast-check generators of flagd flag documents and evaluation contexts, for the parity test against
 * flagd-core. Built from flagd's flag-definition reference (https://flagd.dev/reference/flag-definitions/)
 * and its custom operations, not from ripcord's code: every variant type, targeting with the JsonLogic
 * operators flagd evaluates plus fractional, sem_ver, starts_with and ends_with, `$ref` to `$evaluators`,
 * null / missing / empty default variants, disabled flags, metadata on flags and on the set, and now and
 * then a rule flagd-core cannot compile (an unknown operator, a `$ref` to nothing).
 */

export type VariantType = 'boolean' | 'string' | 'integer' | 'float' | 'object';

export interface GeneratedFlag {
  type: VariantType;
  definition: Record<string, unknown>;
}

export interface GeneratedDocument {
  document: { flags: Record<string, Record<string, unknown>>; $evaluators?: Record<string, unknown>; metadata?: Record<string, unknown> };
  types: Record<string, VariantType>;
}

const CONTEXT_FIELDS = ['email', 'plan', 'version', 'tier', 'beta', 'groups', 'company.name', 'age', 'nothing.here'] as const;
const STRINGS = ['pro', 'free', 'ana', '@example.com', 'ana@example.com', 'beta', '1.2.3', '', 'x'] as const;

const literal = fc.oneof(fc.constantFrom(...STRINGS), fc.integer({ min: -3, max: 40 }), fc.boolean(), fc.constant(null));
const varRef = fc.oneof(
  fc.constantFrom(...CONTEXT_FIELDS).map((name) => ({ var: name })),
  fc.tuple(fc.constantFrom(...CONTEXT_FIELDS), literal).map(([name, fallback]) => ({ var: [name, fallback] })),
  fc.constantFrom({ var: 'targetingKey' }, { var: '$flagd.flagKey' }),
);
const scalar = fc.oneof({ weight: 3, arbitrary: varRef }, { weight: 2, arbitrary: literal });
const number = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom({ var: 'age' }, { var: 'tier' }, { var: ['age', 0] }));

/** A JsonLogic rule whose value is tested for truth; `refs` are the evaluator names a rule may `$ref`. */
export function condition(refs: readonly string[], depth = 3): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.tuple(fc.constantFrom('==', '===', '!=', '!==', '>', '>=', '<', '<='), scalar, scalar).map(([op, a, b]) => ({ [op]: [a, b] })),
    fc.tuple(fc.constantFrom('<', '<='), number, number, number).map(([op, a, b, c]) => ({ [op]: [a, b, c] })),
    fc.tuple(fc.constantFrom('!', '!!'), scalar).map(([op, a]) => ({ [op]: [a] })),
    fc.tuple(fc.constantFrom(...STRINGS), fc.constantFrom({ var: 'email' }, { var: 'plan' }, { var: 'groups' })).map(([needle, hay]) => ({ in: [needle, hay] })),
    fc.tuple(scalar, fc.array(fc.constantFrom(...STRINGS), { maxLength: 3 })).map(([needle, list]) => ({ in: [needle, list] })),
    fc.tuple(fc.constantFrom('starts_with', 'ends_with'), fc.constantFrom({ var: 'email' }, { var: 'plan' }, 'ana@example.com', 7), fc.constantFrom('ana', '@example.com', 'pro', '', 3)).map(([op, a, b]) => ({ [op]: [a, b] })),
    fc
      .tuple(fc.constantFrom({ var: 'version' }, '1.2.3', 'v2.0', '1', 'nope'), fc.constantFrom('=', '!=', '<', '<=', '>', '>=', '^', '~', '?'), fc.constantFrom('1.2.0', '2.0.0', '1.2.3-beta.1', 'v1', 'bad'))
      .map(([a, op, b]) => ({ sem_ver: [a, op, b] })),
    fc.array(fc.constantFrom(...CONTEXT_FIELDS), { minLength: 1, maxLength: 3 }).map((names) => ({ missing: names })),
    fc.tuple(fc.integer({ min: 1, max: 2 }), fc.array(fc.constantFrom(...CONTEXT_FIELDS), { minLength: 1, maxLength: 3 })).map(([n, names]) => ({ missing_some: [n, names] })),
    fc.tuple(fc.constantFrom('some', 'all', 'none'), fc.constantFrom(...STRINGS)).map(([op, s]) => ({ [op]: [{ var: 'groups' }, { '==': [{ var: '' }, s] }] })),
    fc.integer({ min: 0, max: 3 }).map((n) => ({ '>': [{ reduce: [{ var: 'groups' }, { '+': [{ var: 'accumulator' }, 1] }, 0] }, n] })),
    fc.tuple(fc.constantFrom(...STRINGS), fc.constantFrom(...STRINGS)).map(([a, b]) => ({ '==': [{ cat: [{ var: 'plan' }, a] }, b] })),
    fc.tuple(fc.integer({ min: -2, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('ana', 'pro', 'an')).map(([start, len, s]) => ({ '==': [{ substr: [{ var: 'email' }, start, len] }, s] })),
    fc.tuple(fc.constantFrom('+', '-', '*', '/', '%', 'min', 'max'), number, number, fc.integer({ min: -2, max: 30 })).map(([op, a, b, n]) => ({ '>=': [{ [op]: [a, b] }, n] })),
    fc.constantFrom(...STRINGS).map((s) => ({ in: [s, { merge: [{ var: 'groups' }, ['pro']] }] })),
    fc.integer({ min: 0, max: 5 }).map((n) => ({ in: [n, { map: [[1, 2, 3], { '*': [{ var: '' }, 2] }] }] })),
    fc.integer({ min: 0, max: 3 }).map((n) => ({ '>': [{ reduce: [{ filter: [{ var: 'groups' }, { '!=': [{ var: '' }, 'beta'] }] }, { '+': [{ var: 'accumulator' }, 1] }, 0] }, n] })),
    varRef,
    fc.boolean(),
    ...(refs.length > 0 ? [fc.constantFrom(...refs).map((name) => ({ $ref: name }))] : []),
  );
  if (depth <= 0) return leaf;
  const inner = condition(refs, depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ and: items })) },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ or: items })) },
    { weight: 1, arbitrary: inner.map((c) => ({ '!': [c] })) },
    { weight: 1, arbitrary: fc.tuple(inner, inner, inner).map(([a, b, c]) => ({ if: [a, b, c] })) },
  );
}

/** What targeting can pick: a variant, no variant (null: the default), or a name that is no variant. */
function outcome(variants: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(variants.length ? variants : ['ghost'])) }, { weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant('ghost') });
}

function targeting(variants: readonly string[], refs: readonly string[]): fc.Arbitrary<unknown> {
  const pick = outcome(variants);
  const weighted = fc.array(fc.tuple(pick, fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 4 }).map((buckets) => buckets.map(([v, w]) => [v, w]));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(condition(refs), pick, pick).map(([c, a, b]) => ({ if: [c, a, b] })) },
    { weight: 2, arbitrary: fc.tuple(condition(refs, 1), pick, condition(refs, 1), pick, pick).map(([c1, a, c2, b, c]) => ({ if: [c1, a, c2, b, c] })) },
    { weight: 2, arbitrary: weighted.map((buckets) => ({ fractional: buckets })) },
    { weight: 1, arbitrary: fc.array(pick, { minLength: 1, maxLength: 3 }).map((names) => ({ fractional: names.map((n) => [n]) })) },
    { weight: 1, arbitrary: weighted.map((buckets) => ({ fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ...buckets] })) },
    { weight: 1, arbitrary: fc.tuple(condition(refs), pick).map(([c, a]) => ({ if: [c, { fractional: [[a, 50], [null, 50]] }, null] })) },
    { weight: 1, arbitrary: fc.constantFrom({ var: 'plan' }, { var: ['plan', 'a'] }) },
    // A bare condition: flagd uses its result, stringified, as the variant ("true" / "false").
    { weight: 1, arbitrary: condition(refs, 1) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

const VARIANT_NAMES: Record<VariantType, readonly string[]> = {
  boolean: ['on', 'off', 'true', 'false'],
  string: ['a', 'b', 'c', 'pro', 'free', 'true'],
  integer: ['one', 'two', 'ten', 'true'],
  float: ['low', 'mid', 'high'],
  object: ['small', 'large', 'true'],
};

function variantValue(type: VariantType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'boolean':
      return fc.boolean();
    case 'string':
      return fc.oneof(fc.constantFrom('gpt-small', 'gpt-large', '', 'ünïcødé ✓'), fc.string({ maxLength: 6 }));
    case 'integer':
      return fc.integer({ min: -1000, max: 1000 });
    case 'float':
      return fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100 + 0.5);
    case 'object':
      return fc.oneof(
        fc.record({ model: fc.constantFrom('small', 'large'), limit: fc.integer({ min: 0, max: 9 }) }),
        fc.record({ nested: fc.record({ list: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), on: fc.boolean() }) }),
        fc.constant({}),
      );
  }
}

const metadata = fc.dictionary(fc.constantFrom('version', 'flagSetId', 'owner', 'team', 'ripcord.version', 'weight'), fc.oneof(fc.constantFrom('v1', 'growth', ''), fc.integer({ min: 0, max: 99 }), fc.boolean()), { maxKeys: 3 });

function flag(refs: readonly string[], broken: boolean): fc.Arbitrary<GeneratedFlag> {
  return fc.constantFrom<VariantType>('boolean', 'string', 'integer', 'float', 'object').chain((type) =>
    fc.subarray([...VARIANT_NAMES[type]], { minLength: 1 }).chain((names) =>
      fc
        .record(
          {
            state: fc.constantFrom('ENABLED', 'ENABLED', 'ENABLED', 'DISABLED'),
            values: fc.tuple(...names.map(() => variantValue(type))),
            // A variant, null, missing (undefined: the key is left out) or "" (flagd: no default variant).
            defaultVariant: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 2, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('') }),
            noVariants: fc.boolean(),
            targeting: fc.option(targeting(names, refs), { freq: 4, nil: undefined }),
            metadata: fc.option(metadata, { nil: undefined }),
          },
          { requiredKeys: ['state', 'values', 'defaultVariant', 'noVariants'] },
        )
        .map((f) => {
          // flagd-core loads a flag with no variants only when no default variant is named.
          const emptyVariants = f.noVariants && !f.defaultVariant && type === 'object';
          const definition: Record<string, unknown> = {
            state: f.state,
            variants: emptyVariants ? {} : Object.fromEntries(names.map((name, i) => [name, f.values[i]])),
          };
          if (f.defaultVariant !== undefined) definition.defaultVariant = f.defaultVariant;
          if (f.targeting !== undefined) definition.targeting = broken ? { if: [{ no_such_operator: [f.targeting] }, names[0], null] } : f.targeting;
          if (f.metadata !== undefined) definition.metadata = f.metadata;
          return { type, definition };
        }),
    ),
  );
}

const FLAG_KEYS = ['splitViewLayout', 'ai-summary', 'checkout.v2', 'beta_banner', 'Theme'] as const;

/** A whole document: up to five flags, 0–2 evaluators (one may `$ref` another), set metadata; rarely one broken rule. */
export const flagdDocumentArbitrary: fc.Arbitrary<GeneratedDocument> = fc
  .record({
    evaluatorCount: fc.integer({ min: 0, max: 2 }),
    brokenRef: fc.integer({ min: 0, max: 40 }),
    brokenFlag: fc.integer({ min: 0, max: 40 }),
    keys: fc.subarray([...FLAG_KEYS], { minLength: 1 }),
    setMetadata: fc.option(metadata, { nil: undefined }),
  })
  .chain(({ evaluatorCount, brokenRef, brokenFlag, keys, setMetadata }) => {
    const names = Array.from({ length: evaluatorCount }, (_, i) => `rule${i}`);
    // A $ref to an evaluator that does not exist, once in a while: flagd-core cannot compile it.
    const refs = brokenRef === 0 ? [...names, 'undefinedRule'] : names;
    const evaluators = fc.tuple(...names.map((_, i) => condition(names.slice(0, i), 2)));
    const flags = fc.tuple(...keys.map((_, i) => flag(refs, brokenFlag === 0 && i === 0)));
    return fc.tuple(evaluators, flags).map(([rules, generated]) => {
      const document: GeneratedDocument['document'] = { flags: Object.fromEntries(keys.map((key, i) => [key, (generated[i] as GeneratedFlag).definition])) };
      if (names.length > 0) document.$evaluators = Object.fromEntries(names.map((name, i) => [name, rules[i]]));
      if (setMetadata !== undefined) document.metadata = setMetadata;
      return { document, types: Object.fromEntries(keys.map((key, i) => [key, (generated[i] as GeneratedFlag).type])) };
    });
  });

/** An evaluation context: a targeting key or not, and the attributes the rules read (sometimes missing or odd). */
export const contextArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    targetingKey: fc.oneof(fc.constantFrom('user-1', 'user-2', 'u-42', ''), fc.string({ maxLength: 8 })),
    email: fc.constantFrom('ana@example.com', 'bo@elsewhere.org', 'ANA@EXAMPLE.COM', ''),
    plan: fc.constantFrom('pro', 'free', 'a', 'b', 'on', 'large', 'ghost'),
    version: fc.constantFrom('1.2.3', '2.0.0', 'v1.2.0', '1.2', 'not-a-version', '1.2.3-beta.1'),
    tier: fc.integer({ min: -2, max: 30 }),
    age: fc.oneof(fc.integer({ min: 0, max: 99 }), fc.constant('42')),
    beta: fc.boolean(),
    groups: fc.array(fc.constantFrom('beta', 'pro', 'staff', ''), { maxLength: 4 }),
    company: fc.record({ name: fc.constantFrom('acme', 'initech') }),
  },
  { requiredKeys: [] },
);
