import { z } from 'zod';
import type { RipcordConfig } from '../../config/ripcord-config.js';
import { RipcordError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { DetectionModule } from '../../detection-module.js';
import type { RequestOutcome } from '../../signals/request-outcome.js';
import { defineRoute } from '../api-route.js';
import { limitField, nameField } from './api-schemas.js';
import { serviceOf } from './release-routes.js';

/** At most this many outcomes per batch; the client helper sends smaller ones. */
export const MAX_INGEST_BATCH = 10_000;

/** The end of JavaScript's Date range. */
const MAX_TIME_MS = 8.64e15;
/** Outcomes stamped further ahead of the server's clock than this are refused (clock skew is minutes, not days). */
const MAX_FUTURE_MS = 86_400_000;

const outcomeSchema = z.object({
  /** The release (version or id) that served the request, or the arm. */
  release: z.string().min(1).max(128).optional(),
  arm: z.enum(['canary', 'baseline']).optional(),
  status: z.number().int().min(100).max(599).optional(),
  ok: z.boolean().optional(),
  latency_ms: z.number().nonnegative(),
  route: z.string().max(500).optional(),
  /** Epoch ms or ISO time; default: when the server received it. */
  at: z.union([z.number().int().nonnegative().max(MAX_TIME_MS), z.iso.datetime({ offset: true })]).optional(),
});

const ingestBody = z.strictObject({
  service: nameField.optional(),
  environment: nameField,
  outcomes: z.array(outcomeSchema).max(MAX_INGEST_BATCH, { error: `at most ${MAX_INGEST_BATCH} outcomes per batch` }),
});

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  fingerprint: z.string().optional(),
});

/** Alertmanager's webhook payload, version 4; fields we do not use pass through. */
const alertmanagerBody = z.looseObject({
  version: z.literal('4', { error: 'expected Alertmanager webhook payload version "4"' }),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertSchema).max(1000),
});

const decisionSchema = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  releaseId: z.string().optional(),
  severity: z.string(),
  action: z.string(),
  deadline: z.string().optional(),
  status: z.string(),
  approval: z.string().optional(),
  explanation: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  madeAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  reason: z.string().optional(),
});

export const environmentWatchSchema = z.object({
  service: z.string(),
  environment: z.string(),
  releaseId: z.string(),
  version: z.string(),
  verdict: z.enum(['healthy', 'unhealthy', 'inconclusive']),
  explanation: z.string(),
  triggers: z.array(
    z.object({ trigger: z.string(), kind: z.string(), severity: z.string(), state: z.string(), explanation: z.string(), values: z.record(z.string(), z.union([z.number(), z.string()])) }),
  ),
  signals: z.record(z.string(), z.object({ at: z.string(), value: z.number().optional(), error: z.string().optional() })),
  decision: decisionSchema.optional(),
  updatedAt: z.string(),
});

/** The label that names an alert's environment (Alertmanager's convention, or the short form). */
const environmentLabel = (alert: { labels: Record<string, string> }): string | undefined => alert.labels.environment ?? alert.labels.env;

/**
 * The environments a delivery's alerts name. An alert without an environment label matches every
 * environment whose `match` it fits, so only an unlimited token may send one — or a token limited to
 * one environment, for which the alert is taken as that environment's.
 */
export function alertEnvironments(body: unknown, scope: readonly string[] | undefined): readonly string[] | 'all' {
  const named = new Set<string>();
  for (const alert of (body as z.output<typeof alertmanagerBody>).alerts) {
    const environment = environmentLabel(alert) ?? (scope?.length === 1 ? scope[0] : undefined);
    if (environment === undefined) return 'all';
    named.add(environment);
  }
  return [...named];
}

function checkEnvironment(config: RipcordConfig | undefined, environment: string, field: string): void {
  if (config && !config.environments[environment]) {
    throw new RipcordError('not_found', `environment "${environment}" is not in ripcord.yaml (known: ${Object.keys(config.environments).join(', ')})`, [{ path: field, message: 'unknown environment' }]);
  }
}

/** Signals in (ingest, Alertmanager, bug reports), verdicts and decisions out. */
export function detectionRoutes(deps: { detection?: DetectionModule | undefined; config?: RipcordConfig | undefined }) {
  const module = deps.detection;
  if (!module) return [];
  const { config } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/ingest',
      summary: 'Push a batch of request outcomes (gzip accepted) for the canary judge and the request triggers',
      tag: 'signals',
      role: 'ingest',
      acts: { on: 'environment', in: 'body', field: 'environment' },
      body: ingestBody,
      response: z.object({ accepted: z.number() }),
      status: 202,
      handler: async ({ body }) => {
        const service = serviceOf(body.service, config, 'body.service');
        checkEnvironment(config, body.environment, 'body.environment');
        const received = module.clock.now().getTime();
        const outcomes: RequestOutcome[] = new Array(body.outcomes.length);
        for (let i = 0; i < body.outcomes.length; i++) {
          const o = body.outcomes[i] as z.output<typeof outcomeSchema>;
          const release = o.release ?? o.arm;
          if (!release) throw new RipcordError('invalid_input', `body.outcomes.${i}: give "release" or "arm"`, [{ path: `body.outcomes.${i}.release`, message: 'give "release" or "arm"' }]);
          if (o.ok === undefined && o.status === undefined) throw new RipcordError('invalid_input', `body.outcomes.${i}: give "status" or "ok"`, [{ path: `body.outcomes.${i}.status`, message: 'give "status" or "ok"' }]);
          outcomes[i] = {
            service,
            environment: body.environment,
            release,
            ok: o.ok ?? (o.status as number) < 500,
            status: o.status,
            latencyMs: o.latency_ms,
            route: o.route,
            at: o.at === undefined ? received : typeof o.at === 'number' ? o.at : Date.parse(o.at),
          };
          const at = (outcomes[i] as RequestOutcome).at;
          if (!Number.isFinite(at) || at > received + MAX_FUTURE_MS) {
            throw new RipcordError('invalid_input', `body.outcomes.${i}.at: more than a day ahead of the server's clock (${new Date(received).toISOString()})`, [{ path: `body.outcomes.${i}.at`, message: 'more than a day in the future' }]);
          }
        }
        // Validated whole before any is recorded: a bad batch records nothing.
        module.aggregator.recordMany(outcomes);
        return { accepted: outcomes.length };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/alerts/alertmanager',
      summary: "Alertmanager's webhook (payload version 4): firing alerts fire alert triggers, resolved ones end them",
      tag: 'signals',
      role: 'ingest',
      acts: { on: 'environments', named: ({ body }, scope) => alertEnvironments(body, scope) },
      body: alertmanagerBody,
      response: z.object({ firing: z.number(), resolved: z.number() }),
      handler: async ({ body, scope }) => {
        // A token limited to one environment speaks for it: its unlabelled alerts are that environment's.
        const only = scope?.length === 1 ? scope[0] : undefined;
        const alerts = only ? body.alerts.map((alert) => (environmentLabel(alert) ? alert : { ...alert, labels: { ...alert.labels, environment: only } })) : body.alerts;
        const result = module.alerts.apply(alerts, module.clock.now().getTime());
        void module.detection.tick().catch(() => undefined);
        return result;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/reports',
      summary: 'Count a user-reported bug against an environment (the seeds: "> 10 in 1 hour")',
      tag: 'signals',
      role: 'ingest',
      acts: { on: 'environment', in: 'body', field: 'environment' },
      body: z.strictObject({
        service: nameField.optional(),
        environment: nameField,
        title: z.string().min(1).max(500),
        severity: z.string().max(50).optional(),
        reporter: z.string().max(200).optional(),
      }),
      response: z.object({ id: z.string() }),
      status: 201,
      handler: async ({ body }) => {
        const service = serviceOf(body.service, config, 'body.service');
        checkEnvironment(config, body.environment, 'body.environment');
        const now = module.clock.now();
        const id = newId('bug', now);
        await module.reports.insert({ id, service, environment: body.environment, title: body.title, severity: body.severity, reporter: body.reporter, reportedAt: now.toISOString() });
        return { id };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/environments/{environment}/verdict',
      summary: "The watcher's live verdict for an environment: triggers, signal values, decision",
      tag: 'detection',
      role: 'viewer',
      acts: { on: 'environment', in: 'params', field: 'environment' },
      params: z.strictObject({ environment: nameField }),
      query: z.strictObject({ service: nameField.optional() }),
      response: environmentWatchSchema,
      handler: async ({ params, query }) => {
        const service = serviceOf(query.service, config, 'query.service');
        const watch = module.detection.verdict(service, params.environment);
        if (!watch) throw new RipcordError('not_found', `nothing is being watched in ${service}/${params.environment}: no live release, or the watcher has not run yet`);
        return watch;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/decisions',
      summary: 'Decisions made by the policy, newest first',
      tag: 'decisions',
      role: 'viewer',
      acts: { on: 'list', in: 'query', field: 'environment' },
      query: z.strictObject({ service: nameField.optional(), environment: nameField.optional(), limit: limitField }),
      response: z.object({ decisions: z.array(decisionSchema) }),
      handler: async ({ query, scope }) => ({ decisions: await module.decisions.list({ ...query, environments: scope }) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/decisions/{id}',
      summary: 'One decision with its inputs',
      tag: 'decisions',
      role: 'viewer',
      acts: { on: 'decision', param: 'id' },
      params: z.strictObject({ id: z.string().min(1).max(100) }),
      response: decisionSchema,
      handler: async ({ params }) => module.decisions.get(params.id),
    }),
    ...(['approve', 'veto'] as const).map((verb) =>
      defineRoute({
        method: 'POST',
        path: `/api/v1/decisions/{id}/${verb}`,
        summary: verb === 'approve' ? 'Approve a pending decision (e.g. rollback after approval)' : 'Veto a decision before it is acted on',
        tag: 'decisions',
        role: 'operator',
        acts: { on: 'decision', param: 'id' },
        params: z.strictObject({ id: z.string().min(1).max(100) }),
        body: z.strictObject({ reason: z.string().max(2000).optional() }).optional(),
        response: decisionSchema,
        handler: async ({ params, body, actor }) =>
          verb === 'approve' ? module.decisions.approve(params.id, actor, body?.reason) : module.decisions.veto(params.id, actor, body?.reason),
      }),
    ),
  ];
}
