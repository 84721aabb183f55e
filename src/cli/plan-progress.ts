import type { RollbackPlan } from '../rollbacks/rollback-plan.js';
import { print } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<string, string> = { succeeded: '✔', failed: '✘', skipped: '–', running: '…', pending: ' ' };

/**
 * Shows a plan's steps as they change: on a terminal, one line per step with a spinner on the
 * running one; otherwise (CI, pipes) a plain line per change, so logs read top to bottom.
 */
export class PlanProgress {
  private readonly seen = new Map<number, string>();
  private spinner: NodeJS.Timeout | undefined;
  private frame = 0;
  private running: { index: number; name: string; since: number } | undefined;

  constructor(private readonly tty = Boolean(process.stdout.isTTY)) {}

  update(plan: RollbackPlan): void {
    for (const step of plan.steps) {
      if (this.seen.get(step.index) === step.status) continue;
      this.seen.set(step.index, step.status);
      if (step.status === 'running') {
        this.running = { index: step.index, name: step.name, since: Date.now() };
        if (!this.tty) print(`  … ${step.index + 1}. ${step.name}`);
        else this.spin();
        continue;
      }
      if (step.status === 'pending') continue;
      this.clearLine();
      if (this.running?.index === step.index) this.running = undefined;
      const timing = step.durationMs !== undefined ? ` (${formatMs(step.durationMs)})` : '';
      const detail = step.status === 'failed' ? step.error : step.summary;
      print(`  ${MARK[step.status]} ${step.index + 1}. ${step.name}${timing}${detail ? ` — ${detail}` : ''}`);
    }
    if (plan.status === 'succeeded' || plan.status === 'failed') this.stop();
  }

  stop(): void {
    if (this.spinner) clearInterval(this.spinner);
    this.spinner = undefined;
    this.clearLine();
  }

  private spin(): void {
    if (this.spinner) return;
    this.spinner = setInterval(() => {
      if (!this.running) return;
      this.frame = (this.frame + 1) % FRAMES.length;
      process.stdout.write(`\r\x1b[2K  ${FRAMES[this.frame]} ${this.running.index + 1}. ${this.running.name} (${formatMs(Date.now() - this.running.since)})`);
    }, 100);
    this.spinner.unref();
  }

  private clearLine(): void {
    if (this.tty) process.stdout.write('\r\x1b[2K');
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
}

/** The plan for `--dry-run`: target release and every step with what it would do. */
export function printPlan(plan: RollbackPlan, release: { version: string }, target: { version: string }, descriptions: string[]): void {
  print(`rollback plan for ${plan.service}/${plan.environment}: ${release.version} → ${target.version}`);
  print(`reason: ${plan.reason}`);
  for (const step of plan.steps) {
    const d = step.definition;
    const extras = [`${d.provider}.${d.action}`, `timeout ${formatMs(d.timeoutMs)}`, d.retries ? `${d.retries} retr${d.retries === 1 ? 'y' : 'ies'}` : ''].filter(Boolean).join(', ');
    print(`  ${step.index + 1}. [${step.phase}] ${step.name} (${extras})`);
    print(`     ${descriptions[step.index] ?? ''}`);
  }
}
