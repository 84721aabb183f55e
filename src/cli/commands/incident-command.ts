import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import { formatRecoveryMetrics, type RecoveryMetrics } from '../../incidents/recovery-metrics.js';
import type { ApiClient } from '../api-client.js';
import { serverClient } from '../data-source.js';
import { print, printJson, table, when } from '../output.js';

interface ServerOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

interface IncidentView {
  id: string;
  service: string;
  environment: string;
  title: string;
  severity: string;
  status: string;
  commander?: string;
  milestones: Record<string, string | undefined>;
  timeline: { at: string; kind: string; text: string; actor: string }[];
  checklist?: { phase: string; item: string; done: boolean; overdue?: boolean }[];
  actionItems: { id: number; text: string; owner?: string; done: boolean }[];
}

function client(options: ServerOptions): ApiClient {
  return serverClient(options, 'incidents live on the server');
}

function withServer(command: Command, json = true): Command {
  command.option('--server <url>', 'ripcord server (env RIPCORD_SERVER)').option('--token <token>', 'API token (env RIPCORD_TOKEN)');
  return json ? command.option('--json', 'print as JSON') : command;
}

function show(incident: IncidentView, options: ServerOptions): void {
  if (options.json) {
    printJson(incident);
    return;
  }
  print(`${incident.id}  ${incident.severity}  ${incident.status}  ${incident.service}/${incident.environment}`);
  print(`  ${incident.title}`);
  print(`  commander: ${incident.commander ?? 'not assigned'}`);
  for (const [name, at] of Object.entries(incident.milestones)) if (at) print(`  ${name.padEnd(13)} ${when(at)}`);
  print('  timeline:');
  for (const entry of incident.timeline) print(`    ${entry.at.slice(11, 19)}  ${entry.kind.padEnd(14)} ${entry.text}${entry.actor !== 'ripcord' ? `  (${entry.actor})` : ''}`);
  const overdue = (incident.checklist ?? []).filter((c) => !c.done && c.overdue);
  if (overdue.length) print(`  overdue: ${overdue.map((c) => `${c.phase}: ${c.item}`).join('; ')}`);
  for (const action of incident.actionItems) print(`  [${action.done ? 'x' : ' '}] #${action.id} ${action.text}${action.owner ? ` — ${action.owner}` : ''}`);
}

export function registerIncident(program: Command): void {
  const incident = program.command('incident').description('incidents: open, acknowledge, move through the lifecycle, notes, action items, reports');

  withServer(
    incident
      .command('open')
      .description('open an incident by hand')
      .requiredOption('--env <environment>', 'environment')
      .requiredOption('--title <text>', 'what is wrong, in a line')
      .requiredOption('--severity <P0-P3>', 'P0..P3 (Sev1..Sev4, Critical/High/Medium/Low also work)')
      .option('--commander <name>', 'incident commander')
      .option('--service <service>', 'service (default: the server\'s)'),
  )
    .addHelpText('after', '\nExample:\n  ripcord incident open --env production --severity P1 --title "Login fails for SSO users" --commander alice')
    .action(async (options: ServerOptions & { env: string; title: string; severity: string; commander?: string; service?: string }) => {
      const opened = await client(options).request<IncidentView>('POST', 'api/v1/incidents', { environment: options.env, title: options.title, severity: options.severity, ...(options.commander ? { commander: options.commander } : {}), ...(options.service ? { service: options.service } : {}) });
      show(opened, options);
    });

  withServer(incident.command('list').description('incidents, newest first').option('--open', 'only the open ones').option('--env <environment>', 'only this environment'))
    .addHelpText('after', '\nExample:\n  ripcord incident list --open')
    .action(async (options: ServerOptions & { open?: boolean; env?: string }) => {
      const query = new URLSearchParams({ ...(options.open ? { open: 'true' } : {}), ...(options.env ? { environment: options.env } : {}) }).toString();
      const { incidents } = await client(options).request<{ incidents: IncidentView[] }>('GET', `api/v1/incidents${query ? `?${query}` : ''}`);
      if (options.json) printJson({ incidents });
      else if (incidents.length === 0) print('no incidents');
      else print(table(['ID', 'SEV', 'STATUS', 'ENVIRONMENT', 'DETECTED', 'TITLE'], incidents.map((i) => [i.id, i.severity, i.status, i.environment, when(i.milestones.detected), i.title.slice(0, 60)])));
    });

  withServer(incident.command('show <id>').description('one incident: milestones, timeline, overdue checklist items, action items'))
    .addHelpText('after', '\nExample:\n  ripcord incident show inc_0mwsuqgkc00005c122a81e13e')
    .action(async (id: string, options: ServerOptions) => show(await client(options).request<IncidentView>('GET', `api/v1/incidents/${encodeURIComponent(id)}`), options));

  withServer(incident.command('ack <id>').description('acknowledge: stops the escalation'))
    .addHelpText('after', '\nExample:\n  ripcord incident ack inc_0mwsuqgkc00005c122a81e13e')
    .action(async (id: string, options: ServerOptions) => show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/ack`), options));

  withServer(incident.command('status <id> <status>').description('move forward: acknowledged, mitigating, monitoring, resolved').option('--note <text>', 'why, on the timeline'))
    .addHelpText('after', '\nExample:\n  ripcord incident status inc_… resolved --note "verified for 15 minutes"')
    .action(async (id: string, status: string, options: ServerOptions & { note?: string }) =>
      show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/status`, { status, ...(options.note ? { note: options.note } : {}) }), options),
    );

  withServer(incident.command('note <id> <text>').description('add a note to the timeline'))
    .addHelpText('after', '\nExample:\n  ripcord incident note inc_… "Root cause: missing null check in the resume parser"')
    .action(async (id: string, text: string, options: ServerOptions) => show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/notes`, { text }), options));

  withServer(
    incident
      .command('update <id>')
      .description('correct the record: commander, severity, affected, impact, root cause')
      .option('--commander <name>', 'incident commander')
      .option('--severity <P0-P3>', 'new severity')
      .option('--affected <list>', 'affected services/features, comma-separated')
      .option('--users-affected <percent>', 'share of users affected, 0-100')
      .option('--error-rate <ratio>', 'peak error rate, 0-1')
      .option('--data-loss <yes|no>', 'was data lost')
      .option('--root-cause <text>', 'the root cause, for the report'),
  )
    .addHelpText('after', '\nExample:\n  ripcord incident update inc_… --commander alice --users-affected 12 --data-loss no')
    .action(async (id: string, options: ServerOptions & { commander?: string; severity?: string; affected?: string; usersAffected?: string; errorRate?: string; dataLoss?: string; rootCause?: string }) => {
      const number = (flag: string, value: string | undefined) => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isFinite(n)) throw new RipcordError('usage', `${flag} must be a number, not "${value}"`);
        return n;
      };
      if (options.dataLoss !== undefined && !['yes', 'no'].includes(options.dataLoss)) throw new RipcordError('usage', `--data-loss must be yes or no, not "${options.dataLoss}"`);
      const impact = {
        ...(options.usersAffected !== undefined ? { usersAffectedPercent: number('--users-affected', options.usersAffected) } : {}),
        ...(options.errorRate !== undefined ? { errorRate: number('--error-rate', options.errorRate) } : {}),
        ...(options.dataLoss !== undefined ? { dataLoss: options.dataLoss === 'yes' } : {}),
      };
      const body = {
        ...(options.commander ? { commander: options.commander } : {}),
        ...(options.severity ? { severity: options.severity } : {}),
        ...(options.affected ? { affected: options.affected.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
        ...(Object.keys(impact).length ? { impact } : {}),
        ...(options.rootCause ? { rootCause: options.rootCause } : {}),
      };
      if (Object.keys(body).length === 0) throw new RipcordError('usage', 'nothing to update: pass at least one of --commander, --severity, --affected, --users-affected, --error-rate, --data-loss, --root-cause');
      show(await client(options).request<IncidentView>('PATCH', `api/v1/incidents/${encodeURIComponent(id)}`, body), options);
    });

  withServer(incident.command('milestone <id> <milestone> <time>').description('correct a milestone (started, detected, acknowledged, mitigated, resolved); written on the timeline'))
    .addHelpText('after', '\nExample:\n  ripcord incident milestone inc_… started 2026-03-01T14:20:00Z')
    .action(async (id: string, milestone: string, at: string, options: ServerOptions) =>
      show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/milestones`, { milestone, at }), options),
    );

  withServer(incident.command('check <id> <item>').description('tick a response checklist item by hand (e.g. "cause identified")'))
    .addHelpText('after', '\nExample:\n  ripcord incident check inc_… "cause identified"')
    .action(async (id: string, item: string, options: ServerOptions) => show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/checklist`, { item }), options));

  withServer(incident.command('unnecessary <id> <plan>').description('mark a rollback unnecessary (counts as a false positive)').option('--reason <text>', 'why, on the timeline'))
    .addHelpText('after', '\nExample:\n  ripcord incident unnecessary inc_… rbp_… --reason "the errors came from a partner outage"')
    .action(async (id: string, plan: string, options: ServerOptions & { reason?: string }) =>
      show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/rollbacks/${encodeURIComponent(plan)}/unnecessary`, options.reason ? { reason: options.reason } : {}), options),
    );

  const action = incident.command('action').description('action items');
  withServer(action.command('add <id> <text>').description('add an action item').option('--owner <name>', 'who does it'))
    .addHelpText('after', '\nExample:\n  ripcord incident action add inc_… "Add an integration test for this scenario" --owner alice')
    .action(async (id: string, text: string, options: ServerOptions & { owner?: string }) =>
      show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/actions`, { text, ...(options.owner ? { owner: options.owner } : {}) }), options),
    );
  withServer(action.command('done <id> <number>').description('mark action item <number> done'))
    .addHelpText('after', '\nExample:\n  ripcord incident action done inc_… 1')
    .action(async (id: string, number: string, options: ServerOptions) => show(await client(options).request<IncidentView>('POST', `api/v1/incidents/${encodeURIComponent(id)}/actions/${encodeURIComponent(number)}/done`), options));

  withServer(incident.command('report <id>').description('the incident report, Markdown, pre-filled from the record'), false)
    .addHelpText('after', '\nExample:\n  ripcord incident report inc_… > INCIDENT-042.md')
    .action(async (id: string, options: ServerOptions) => print(await client(options).request<string>('GET', `api/v1/incidents/${encodeURIComponent(id)}/report`)));

  withServer(program.command('postmortem <id>').description('the post-mortem, Markdown, pre-filled; human sections marked "to be written"'), false)
    .addHelpText('after', '\nExample:\n  ripcord postmortem inc_… > docs/postmortems/2026-03-01-split-view.md')
    .action(async (id: string, options: ServerOptions) => print(await client(options).request<string>('GET', `api/v1/incidents/${encodeURIComponent(id)}/postmortem`)));

  withServer(program.command('rollbacks').description("the seed 004 rollback history log (Date | Time | Trigger | Method | Duration | Root Cause)").option('--format <format>', 'table (Markdown)', 'table').option('--env <environment>', 'only this environment'), false)
    .addHelpText('after', '\nExample:\n  ripcord rollbacks --format table')
    .action(async (options: ServerOptions & { format: string; env?: string }) => {
      if (options.format !== 'table') throw new RipcordError('usage', `--format must be table, not "${options.format}"`);
      print(await client(options).request<string>('GET', `api/v1/rollbacks/log${options.env ? `?environment=${encodeURIComponent(options.env)}` : ''}`));
    });

  withServer(program.command('metrics').description("MTTD, MTTA, time to roll back, MTTR, success and false-positive rates vs the seeds' targets").option('--env <environment>', 'only this environment').option('--from <iso>', 'period start (default 90 days ago)').option('--to <iso>', 'period end (default now)'))
    .addHelpText('after', '\nExample:\n  ripcord metrics --env production --from 2026-01-01T00:00:00Z')
    .action(async (options: ServerOptions & { env?: string; from?: string; to?: string }) => {
      const query = new URLSearchParams({ ...(options.env ? { environment: options.env } : {}), ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) }).toString();
      const metrics = await client(options).request<RecoveryMetrics>('GET', `api/v1/metrics/recovery${query ? `?${query}` : ''}`);
      if (options.json) printJson(metrics);
      else print(formatRecoveryMetrics(metrics));
    });
}
