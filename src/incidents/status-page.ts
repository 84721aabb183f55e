import type { Severity } from '../config/schema/fields.js';
import type { Incident, IncidentStatus } from './incident.js';

export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';
export type PublicIncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

/** What the public page shows. Built only from public words: no release ids, triggers, numbers, people or notes. */
export interface StatusPage {
  title: string;
  status: ComponentStatus;
  updatedAt: string;
  components: { name: string; status: ComponentStatus }[];
  incidents: PublicIncident[];
  history: PublicIncident[];
}

export interface PublicIncident {
  id: string;
  name: string;
  status: PublicIncidentStatus;
  impact: 'critical' | 'major' | 'minor' | 'none';
  components: string[];
  startedAt: string;
  resolvedAt: string | null;
  updates: { at: string; status: PublicIncidentStatus; body: string }[];
}

/** Our lifecycle in the words hosted status pages use. */
export const PUBLIC_STATUS: Record<IncidentStatus, PublicIncidentStatus> = {
  detected: 'investigating',
  acknowledged: 'investigating',
  mitigating: 'identified',
  monitoring: 'monitoring',
  resolved: 'resolved',
};

const COMPONENT_STATUS: Record<Severity, ComponentStatus> = { P0: 'major_outage', P1: 'partial_outage', P2: 'degraded_performance', P3: 'degraded_performance' };
const IMPACT: Record<Severity, PublicIncident['impact']> = { P0: 'critical', P1: 'major', P2: 'minor', P3: 'minor' };
const RANK: ComponentStatus[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage'];

const UPDATE_TEXT: Record<PublicIncidentStatus, (what: string) => string> = {
  investigating: (what) => `We are investigating issues affecting ${what}.`,
  identified: (what) => `The issue affecting ${what} has been identified and a fix is being applied.`,
  monitoring: (what) => `A fix has been applied to ${what}; we are monitoring the results.`,
  resolved: (what) => `This incident affecting ${what} has been resolved.`,
};

function publicIncident(incident: Incident, components: string[]): PublicIncident {
  const what = components.join(', ');
  const updates: PublicIncident['updates'] = [{ at: incident.milestones.detected ?? incident.timeline[0]?.at ?? '', status: 'investigating', body: UPDATE_TEXT.investigating(what) }];
  for (const entry of incident.timeline) {
    if (entry.kind !== 'status') continue;
    const to = entry.text.match(/→ ([a-z]+)/)?.[1] as IncidentStatus | undefined;
    const status = to ? PUBLIC_STATUS[to] : undefined;
    if (status && updates.at(-1)?.status !== status) updates.push({ at: entry.at, status, body: UPDATE_TEXT[status](what) });
  }
  return {
    id: incident.id,
    name: `${incident.severity === 'P0' ? 'Outage' : 'Degraded service'}: ${what}`,
    status: PUBLIC_STATUS[incident.status],
    impact: IMPACT[incident.severity],
    components,
    startedAt: updates[0]?.at ?? '',
    resolvedAt: incident.milestones.resolved ?? null,
    updates: updates.reverse(),
  };
}

/**
 * The public status page model. `componentsFor` maps an incident to the public component names it
 * affects (config `incidents.status_page.components`); internal names never reach the page.
 */
export function buildStatusPage(
  incidents: Incident[],
  options: { title: string; components: string[]; now: Date; historyDays?: number; environments?: string[] },
): StatusPage {
  const scoped = options.environments ? incidents.filter((i) => options.environments?.includes(i.environment)) : incidents;
  const componentsFor = (i: Incident) => {
    const named = i.affected.filter((a) => options.components.includes(a));
    return named.length > 0 ? named : options.components;
  };
  const open = scoped.filter((i) => i.status !== 'resolved');
  const since = options.now.getTime() - (options.historyDays ?? 14) * 86_400_000;
  const history = scoped.filter((i) => i.status === 'resolved' && Date.parse(i.milestones.resolved ?? '') >= since);
  const components = options.components.map((name) => {
    const worst = open
      .filter((i) => componentsFor(i).includes(name) && i.status !== 'monitoring')
      .map((i) => COMPONENT_STATUS[i.severity])
      .reduce<ComponentStatus>((a, b) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a), 'operational');
    return { name, status: worst };
  });
  const overall = components.map((c) => c.status).reduce<ComponentStatus>((a, b) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a), 'operational');
  return {
    title: options.title,
    status: overall,
    updatedAt: options.now.toISOString(),
    components,
    incidents: open.map((i) => publicIncident(i, componentsFor(i))).reverse(),
    history: history.map((i) => publicIncident(i, componentsFor(i))).reverse(),
  };
}

/** Text into HTML: the five characters that could end an element or an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const WORDS: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export function renderStatusPageHtml(page: StatusPage): string {
  const incident = (i: PublicIncident) =>
    `<article class="incident ${i.status}"><h3>${escapeHtml(i.name)} <small>${i.status}</small></h3>${i.updates
      .map((u) => `<p><time datetime="${u.at}">${escapeHtml(u.at.replace('T', ' ').slice(0, 16))} UTC</time> <b>${u.status}</b> — ${escapeHtml(u.body)}</p>`)
      .join('')}</article>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}li{display:flex;justify-content:space-between;border-bottom:1px solid #ddd;padding:.5rem 0}.operational{color:#1a7f37}.degraded_performance{color:#9a6700}.partial_outage{color:#bc4c00}.major_outage{color:#cf222e}article{border-left:4px solid #999;padding-left:1rem;margin:1rem 0}</style>
</head><body>
<h1>${escapeHtml(page.title)}</h1>
<p class="${page.status}"><strong>${page.status === 'operational' ? 'All systems operational' : WORDS[page.status]}</strong></p>
<h2>Components</h2><ul>${page.components.map((c) => `<li>${escapeHtml(c.name)} <span class="${c.status}">${WORDS[c.status]}</span></li>`).join('')}</ul>
<h2>Current incidents</h2>${page.incidents.length ? page.incidents.map(incident).join('') : '<p>No current incidents.</p>'}
<h2>History</h2>${page.history.length ? page.history.map(incident).join('') : '<p>No incidents in the last 14 days.</p>'}
<p><small>Updated ${escapeHtml(page.updatedAt)}</small></p>
</body></html>
`;
}
