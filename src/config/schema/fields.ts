import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../../core/duration.js';
import { PERCENT_PATTERN, parsePercent } from '../../core/percent.js';
import { SEVERITIES, type Severity } from '../../core/severity.js';

/** `5m` → milliseconds. */
export const durationField = z
  .string({ error: 'expected a duration like 30s, 5m or 1h' })
  .regex(DURATION_PATTERN, { error: 'expected a duration like 30s, 5m or 1h' })
  .transform((text) => parseDuration(text) as number);

/** `5%` → 0.05. */
export const percentField = z
  .string({ error: 'expected a percentage like 5% or 0.1%' })
  .regex(PERCENT_PATTERN, { error: 'expected a percentage like 5% or 0.1%' })
  .transform((text) => parsePercent(text) as number);

// Defined in core/ (events carry a severity); re-exported for the config's users.
export { SEVERITIES, type Severity };

/** The seeds also say Sev1..Sev4 and Critical/High/Medium/Low; all of them mean P0..P3. */
const SEVERITY_ALIASES: Record<string, Severity> = {
  p0: 'P0', p1: 'P1', p2: 'P2', p3: 'P3',
  sev1: 'P0', sev2: 'P1', sev3: 'P2', sev4: 'P3',
  critical: 'P0', high: 'P1', medium: 'P2', low: 'P3',
};

export function parseSeverity(text: string): Severity | undefined {
  return SEVERITY_ALIASES[text.trim().toLowerCase().replace(/[\s_-]/g, '')];
}

export const severityField = z
  .string({ error: 'expected a severity: P0, P1, P2 or P3 (Sev1..Sev4 and Critical/High/Medium/Low also work)' })
  .refine((text) => parseSeverity(text) !== undefined, {
    error: 'expected a severity: P0, P1, P2 or P3 (Sev1..Sev4 and Critical/High/Medium/Low also work)',
  })
  .transform((text) => parseSeverity(text) as Severity);

/** Names used in URLs and CLI flags: services, environments, signals. */
export const slugField = z
  .string({ error: 'expected a name' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
    error: 'expected a lower-case name of letters, digits, dot, dash or underscore (at most 63 characters)',
  });

export const urlField = z.url({ error: 'expected an absolute URL like https://app.example.com/health' });

/**
 * A measured quantity in a threshold: `5%` (a ratio), `500ms`/`2s` (a latency) or a plain number
 * (a count). Normalised to a value and its unit so cross-field rules can check it fits the metric.
 */
export const quantityField = z
  .union([z.number().nonnegative(), z.string()], {
    error: 'expected a number (count), a percentage like 5% or a duration like 500ms',
  })
  .transform((raw, ctx) => {
    if (typeof raw === 'number') return { value: raw, unit: 'count' as const };
    const ratio = parsePercent(raw);
    if (ratio !== undefined) return { value: ratio, unit: 'ratio' as const };
    const ms = parseDuration(raw);
    if (ms !== undefined) return { value: ms, unit: 'ms' as const };
    ctx.addIssue({ code: 'custom', message: 'expected a number (count), a percentage like 5% or a duration like 500ms' });
    return z.NEVER;
  });

export type Quantity = z.output<typeof quantityField>;
