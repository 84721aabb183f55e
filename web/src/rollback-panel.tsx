import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post } from './api';
import { canOperate, duration } from './format';
import { useLive } from './live';
import type { Me, Plan, PlanStep, PreparedRollback } from './types';

/** A step that puts data back from a snapshot: writes made since the snapshot are lost. */
const losesData = (step: PlanStep) => /restore/i.test(step.definition.action) || /restore/i.test(step.name);

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * One action to roll back: the plan exactly as `ripcord rollback --dry-run` shows it (target, every step,
 * data-loss warnings), a confirmation, then each step's progress with timings as it runs.
 */
export function RollbackPanel(props: { environment: string; me: Me }) {
  const allowed = canOperate(props.me.role);
  const [prepared, setPrepared] = useState<PreparedRollback | undefined>();
  const [reason, setReason] = useState('');
  const [plan, setPlan] = useState<Plan | undefined>();
  const [error, setError] = useState<string | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  const live = useLive();

  const open = async () => {
    setError(undefined);
    try {
      const dry = await post<PreparedRollback>('/api/v1/rollbacks', { environment: props.environment, dry_run: true });
      setPrepared(dry);
      dialog.current?.showModal();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const confirm = async (event: Event) => {
    event.preventDefault();
    try {
      const started = await post<PreparedRollback>('/api/v1/rollbacks', { environment: props.environment, reason: reason.trim() || undefined });
      setPlan(started.plan);
      dialog.current?.close();
    } catch (e) {
      setError((e as Error).message);
      dialog.current?.close();
    }
  };
  // Progress: refetch the plan on every rollback event of this environment, and twice a second while it runs.
  useEffect(() => {
    if (!plan || FINISHED.has(plan.status)) return;
    const timer = setTimeout(() => {
      get<Plan>(`/api/v1/rollbacks/${plan.id}`).then(setPlan, () => undefined);
    }, 500);
    return () => clearTimeout(timer);
  }, [plan, live.version]);

  return (
    <section class="rollback" aria-labelledby="rollback-title">
      <h2 id="rollback-title">Roll back</h2>
      <button type="button" class="danger" disabled={!allowed} onClick={open} aria-describedby={allowed ? undefined : 'rollback-why'}>
        Roll back {props.environment}…
      </button>
      {!allowed && (
        <p class="why" id="rollback-why">
          Your token ({props.me.name}) has role {props.me.role}; rolling back needs operator.
        </p>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      <dialog ref={dialog} aria-labelledby="plan-title" class="plan-dialog">
        {prepared && (
          <form method="dialog" onSubmit={confirm}>
            <h2 id="plan-title">
              Rollback plan: {prepared.release.version} → {prepared.target.version}
            </h2>
            <p>These steps run in order, each timed, retried and recorded:</p>
            <ol class="plan-steps">
              {prepared.plan.steps.map((step, i) => (
                <li key={step.index}>
                  [{step.phase}] {step.name} ({step.definition.provider}.{step.definition.action}, timeout {duration(step.definition.timeoutMs)}
                  {step.definition.retries ? `, ${step.definition.retries} retries` : ''}) — {prepared.descriptions[i]}
                  {losesData(step) && <strong class="warning"> Data-loss warning: this restores a snapshot; writes made since it was taken are lost.</strong>}
                </li>
              ))}
            </ol>
            <label for="rollback-reason">Reason (goes on the timeline)</label>
            <input id="rollback-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            <p>
              <button type="submit" class="danger">
                Confirm rollback to {prepared.target.version}
              </button>{' '}
              <button type="button" onClick={() => dialog.current?.close()}>
                Cancel
              </button>
            </p>
          </form>
        )}
      </dialog>
      {plan && (
        <div class="progress" aria-live="polite" data-plan={plan.id} data-status={plan.status}>
          <h3>
            Rollback {plan.status}
            {plan.state ? `: ${plan.state}` : ''}
          </h3>
          <ol>
            {plan.steps.map((step) => (
              <li key={step.index} class={step.status} data-step-status={step.status}>
                {step.status === 'succeeded' ? '✔' : step.status === 'failed' ? '✖' : step.status === 'running' ? '…' : '○'} {step.name} — {step.status}
                {step.durationMs !== undefined ? ` (${duration(step.durationMs)})` : ''}
                {step.attempts > 1 ? `, ${step.attempts} attempts` : ''}
                {step.error ? `: ${step.error}` : step.summary ? `: ${step.summary}` : ''}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
