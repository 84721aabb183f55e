import { z } from 'zod';
import { durationField, urlField } from './fields.js';

/** An HTTP probe: the seeds' health checks and "critical service endpoints". */
const httpProbeSchema = z.strictObject({
  url: urlField,
  method: z.enum(['GET', 'HEAD', 'POST']).optional(),
  expect_status: z.number().int().min(100).max(599).optional(),
  /** Substring the body must contain. */
  body_contains: z.string().optional(),
  /** `$.status == "ok"`-style check on a JSON body: path and expected value. */
  json_path: z.string().optional(),
  json_equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  timeout: durationField.optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const httpSignalSchema = z.strictObject({
  http: z.union([urlField, httpProbeSchema]),
  every: durationField.optional(),
});

/** Request outcomes pushed to `POST /api/v1/ingest` (or labelled by the router provider). */
const ingestSignalSchema = z.strictObject({
  ingest: z.union([z.literal(true), z.strictObject({ bucket: durationField.optional() })]),
});

const prometheusSignalSchema = z.strictObject({
  prometheus: z.strictObject({
    url: urlField,
    /** PromQL for the error ratio, or errors and total separately; `{release}`/`{arm}` are filled in. */
    error_ratio: z.string().optional(),
    errors: z.string().optional(),
    total: z.string().optional(),
    rate: z.string().optional(),
    p95: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  every: durationField.optional(),
});

/** Alerts from Alertmanager's webhook, matched by labels. */
const alertmanagerSignalSchema = z.strictObject({
  alertmanager: z.strictObject({ match: z.record(z.string(), z.string()).optional() }),
});

/** User bug reports posted to `POST /api/v1/reports`. */
const reportsSignalSchema = z.strictObject({
  reports: z.union([z.literal(true), z.strictObject({})]),
});

export const signalSchema = z.union([
  httpSignalSchema,
  ingestSignalSchema,
  prometheusSignalSchema,
  alertmanagerSignalSchema,
  reportsSignalSchema,
]);

export type SignalConfig = z.output<typeof signalSchema>;
export type SignalKind = 'http' | 'ingest' | 'prometheus' | 'alertmanager' | 'reports';

export function signalKind(signal: SignalConfig): SignalKind {
  if ('http' in signal) return 'http';
  if ('ingest' in signal) return 'ingest';
  if ('prometheus' in signal) return 'prometheus';
  if ('alertmanager' in signal) return 'alertmanager';
  return 'reports';
}

/** The metrics a trigger may name as `<signal>.<metric>`, per kind of signal, and their unit. */
export const SIGNAL_METRICS: Record<SignalKind, Record<string, 'ratio' | 'ms' | 'count'>> = {
  http: { failures: 'count', latency: 'ms', success_rate: 'ratio' },
  ingest: { error_rate: 'ratio', p95: 'ms', p99: 'ms', latency: 'ms', count: 'count' },
  prometheus: { error_rate: 'ratio', p95: 'ms', rate: 'count' },
  alertmanager: { firing: 'count' },
  reports: { count: 'count' },
};
