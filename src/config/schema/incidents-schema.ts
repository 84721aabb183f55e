import { z } from 'zod';
import { durationField, parseSeverity, slugField, urlField } from './fields.js';
import { escalationSchema } from './notify-schema.js';

/** Someone who can be paged: `people: { alice: { email: alice@example.com, slack: "@alice" } }`. */
export const personSchema = z.strictObject({
  name: z.string().optional(),
  email: z.email({ error: 'expected an email address' }).optional(),
  /** Slack handle, shown as the mention in Slack messages. */
  slack: z.string().optional(),
  /** A personal webhook (e.g. a pager bridge) that receives the signed incident payload. */
  webhook: urlField.optional(),
});

const severityKey = z.string().refine((key) => parseSeverity(key) !== undefined, {
  error: 'expected a severity key: P0, P1, P2 or P3 (Sev1..Sev4 and Critical/High/Medium/Low also work)',
});

/** How incidents run: per-severity escalation, message templates, periodic updates, the public status page. */
export const incidentsSchema = z.strictObject({
  /** Per severity; wins over the environment's `escalation:` for that severity. */
  escalation: z.record(severityKey, escalationSchema).optional(),
  /** Periodic status updates while an incident is open (seed 003: every 5 minutes). */
  update_every: durationField.optional(),
  /** The SMTP server for email: the default of every `notify: email` and the one personal pages go through. */
  email: z
    .strictObject({
      /** smtp://user:pass@host:port (smtps:// for TLS); credentials are secrets and never shown. */
      smtp: z.string().min(1),
      from: z.email({ error: 'expected an email address' }).optional(),
    })
    .optional(),
  /** Base URL of this ripcord server, for signed acknowledgement links in notifications. */
  public_url: urlField.optional(),
  templates: z
    .strictObject({
      slack: z.string().optional(),
      email_subject: z.string().optional(),
      email_body: z.string().optional(),
      banner: z.string().optional(),
      resolved_email_subject: z.string().optional(),
      resolved_email_body: z.string().optional(),
    })
    .optional(),
  status_page: z
    .strictObject({
      title: z.string().optional(),
      /** Public names of what users see; defaults to the service. Internal names never appear. */
      components: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});

export const peopleSchema = z.record(slugField, personSchema);

export type PersonConfig = z.output<typeof personSchema>;
export type IncidentsConfig = z.output<typeof incidentsSchema>;
