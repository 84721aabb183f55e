import { z } from 'zod';
import type { SignalReading, SignalSource, SignalSourceDefinition, SourceContext, SourceDeps } from '../signal-source.js';

/** Alerts from Alertmanager's webhook, matched by labels. */
export const alertmanagerSignalSchema = z.strictObject({
  alertmanager: z.strictObject({ match: z.record(z.string(), z.string()).optional() }),
});
type AlertmanagerConfig = z.output<typeof alertmanagerSignalSchema>;

class AlertmanagerSource implements SignalSource {
  constructor(
    private readonly match: Record<string, string>,
    private readonly deps: SourceDeps,
  ) {}

  async read(context: SourceContext): Promise<SignalReading> {
    return { samples: { firing: { at: context.now, value: this.alerts(context).length } } };
  }

  alerts(context: SourceContext) {
    return this.deps.alerts.forEnvironment(context.environment, [this.match]);
  }
}

export const alertmanagerSource: SignalSourceDefinition<AlertmanagerConfig, 'alertmanager'> = {
  kind: 'alertmanager',
  schema: alertmanagerSignalSchema,
  description: "alerts delivered by Alertmanager's webhook to POST /api/v1/alerts, matched by labels",
  metrics: { firing: { unit: 'count' } },
  create: (_name, config, deps) => new AlertmanagerSource(config.alertmanager.match ?? {}, deps),
};
