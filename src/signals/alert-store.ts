import type { ActiveAlert } from '../detection/measurement.js';

/** One alert of Alertmanager's webhook payload (version 4), the fields we use. */
export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string> | undefined;
  startsAt?: string | undefined;
  endsAt?: string | undefined;
  fingerprint?: string | undefined;
}

const identity = (alert: AlertmanagerAlert) =>
  alert.fingerprint ?? Object.entries(alert.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');

/**
 * Alerts currently firing, from Alertmanager's webhook: a firing alert is kept until a resolved one
 * with the same fingerprint (or labels) arrives. Environments see the alerts whose labels match their
 * alertmanager signal's `match` and, when the alert has an `environment`/`env` label, name them.
 */
export class AlertStore {
  private readonly firing = new Map<string, ActiveAlert>();

  /** Applies one webhook delivery; returns how many alerts started and ended. */
  apply(alerts: AlertmanagerAlert[], now: number): { firing: number; resolved: number } {
    let firing = 0;
    let resolved = 0;
    for (const alert of alerts) {
      const id = identity(alert);
      if (alert.status === 'resolved') {
        if (this.firing.delete(id)) resolved += 1;
        continue;
      }
      const startsAt = alert.startsAt ? Date.parse(alert.startsAt) : Number.NaN;
      this.firing.set(id, {
        labels: alert.labels,
        startsAt: Number.isFinite(startsAt) ? startsAt : now,
        summary: alert.annotations?.summary ?? alert.annotations?.description,
      });
      firing += 1;
    }
    return { firing, resolved };
  }

  forEnvironment(environment: string, matchers: Record<string, string>[]): ActiveAlert[] {
    return [...this.firing.values()].filter((alert) => {
      const env = alert.labels.environment ?? alert.labels.env;
      if (env !== undefined && env !== environment) return false;
      return matchers.some((match) => Object.entries(match).every(([k, v]) => alert.labels[k] === v));
    });
  }
}
