import { z } from 'zod';
import { durationField, urlField } from './fields.js';

const email = z.email({ error: 'expected an email address' });

/** Where messages go: Slack, email, a signed webhook, the built-in status page. */
export const notifierSchema = z.union([
  z.strictObject({
    slack: z.union([urlField, z.strictObject({ webhook: urlField, channel: z.string().optional() })]),
  }),
  z.strictObject({
    email: z.strictObject({
      to: z.array(email).min(1),
      from: email.optional(),
      /** smtp://user:pass@host:port; credentials are secrets and never shown. */
      smtp: z.string().optional(),
    }),
  }),
  z.strictObject({ webhook: z.union([urlField, z.strictObject({ url: urlField, secret: z.string().min(16).optional() })]) }),
  z.literal('status_page'),
]);

const escalationStepSchema = z.strictObject({
  after: durationField,
  to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
});

/** Who is paged, and when: `[{ after: 0m, to: primary }, { after: 5m, to: secondary }]`, or with repeats. */
export const escalationSchema = z.union([
  z.array(escalationStepSchema).min(1),
  z.strictObject({
    steps: z.array(escalationStepSchema).min(1),
    repeat: z.number().int().min(0).max(10).optional(),
    ack_timeout: durationField.optional(),
  }),
]);

export type NotifierConfig = z.output<typeof notifierSchema>;
export type EscalationConfig = z.output<typeof escalationSchema>;
