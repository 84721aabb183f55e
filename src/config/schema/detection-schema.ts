import { z } from 'zod';
import { durationField, severityField } from './fields.js';

/** How long an environment may stay "cannot judge" before a person is paged (issue 13). */
export const DEFAULT_PAGE_AFTER_INCONCLUSIVE_MS = 5 * 60_000;

/**
 * `environments.<name>.detection`: what the watcher does besides judging. `page_after_inconclusive`:
 * an environment that cannot be judged (Prometheus unreachable, ingest stopped) for this long opens or
 * updates an incident and pages by the escalation policy, never rolling back.
 */
export const detectionSettingsSchema = z.strictObject({
  page_after_inconclusive: durationField.optional(),
  /** The severity of the incident "cannot judge" opens; default P2. */
  inconclusive_severity: severityField.optional(),
});

export type DetectionSettings = z.output<typeof detectionSettingsSchema>;
