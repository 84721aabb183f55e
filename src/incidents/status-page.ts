import type { Severity } from '../config/schema/fields.js';
import type { Incident, IncidentStatus } from './incident.js';
import { type Maintenance, type MaintenanceStatus, maintenanceStatus } from './maintenance.js';

export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
export type PublicIncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

/** What the public page shows. Built only from public words: no release ids, triggers, numbers, people or notes. */
export interface StatusPage {
  title: string;
  status: ComponentStatus;
  updatedAt: string;
  components: { name: string; status: ComponentStatus }[];
  incidents: PublicIncident[];
  history: PublicIncident[];
  /** Scheduled and in-progress maintenance, soonest first; completed ones of the history window too. */
  maintenances: PublicMaintenance[];
  /** Per component, one entry per UTC day of the uptime window (oldest first). */
  uptime: ComponentUptime[];
}

export interface PublicMaintenance {
  id: string;
  name: string;
  status: MaintenanceStatus;
  body: string;
  components: string[];
  scheduledFor: string;
  scheduledUntil: string;
  completedAt: string | null;
}

export interface ComponentUptime {
  name: string;
  /** Share of the window without outage: a major outage minute counts fully, a partial outage minute 30%. */
  percent: number;
  days: { date: string; status: ComponentStatus; outageMinutes: number }[];
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
const RANK: ComponentStatus[] = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];
const worst = (a: ComponentStatus, b: ComponentStatus): ComponentStatus => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a);
/** How much an outage minute weighs in uptime: partial outages count 30%, degraded performance none. */
const OUTAGE_WEIGHT: Partial<Record<ComponentStatus, number>> = { major_outage: 1, partial_outage: 0.3 };
const DAY = 86_400_000;

const UPDATE_TEXT: Record<PublicIncidentStatus, (what: string) => string> = {
  investigating: (what) => `We are investigating issues affecting ${what}.`,
  identified: (what) => `The issue affecting ${what} has been identified and a fix is being applied.`,
  monitoring: (what) => `A fix has been applied to ${what}; we are monitoring the results.`,
  resolved: (what) => `This incident affecting ${what} has been resolved.`,
};

export function publicIncident(incident: Incident, components: string[]): PublicIncident {
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

function publicMaintenance(m: Maintenance, now: Date): PublicMaintenance {
  return { id: m.id, name: m.title, status: maintenanceStatus(m, now), body: m.body, components: m.components, scheduledFor: m.scheduledFor, scheduledUntil: m.scheduledUntil, completedAt: m.completedAt ?? null };
}

/** Per UTC day of the window: the worst state and the weighted outage minutes, from the incidents' own record. */
function uptimeOf(name: string, incidents: Incident[], componentsFor: (i: Incident) => string[], now: Date, days: number): ComponentUptime {
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const spans = incidents
    .filter((i) => componentsFor(i).includes(name))
    .map((i) => ({ from: Date.parse(i.milestones.started ?? i.milestones.detected ?? ''), to: i.milestones.resolved ? Date.parse(i.milestones.resolved) : now.getTime(), status: COMPONENT_STATUS[i.severity] }))
    .filter((s) => Number.isFinite(s.from) && s.to > s.from);
  let weighted = 0;
  const list: ComponentUptime['days'] = [];
  for (let d = days - 1; d >= 0; d--) {
    const start = today - d * DAY;
    const end = Math.min(start + DAY, now.getTime());
    let status: ComponentStatus = 'operational';
    let minutes = 0;
    for (const span of spans) {
      const overlap = Math.min(end, span.to) - Math.max(start, span.from);
      if (overlap <= 0) continue;
      status = worst(status, span.status);
      minutes += overlap / 60_000;
      weighted += (overlap / 60_000) * (OUTAGE_WEIGHT[span.status] ?? 0);
    }
    list.push({ date: new Date(start).toISOString().slice(0, 10), status, outageMinutes: Math.round(minutes) });
  }
  const total = (now.getTime() - (today - (days - 1) * DAY)) / 60_000;
  return { name, percent: Math.max(0, 1 - weighted / total), days: list };
}

/**
 * The public status page model. `components` are the public names (config `incidents.status_page.components`);
 * an incident affects those of its `affected` list that are public, else all of them. Internal names never
 * reach the page.
 */
export function buildStatusPage(
  incidents: Incident[],
  options: { title: string; components: string[]; now: Date; historyDays?: number; uptimeDays?: number; environments?: string[]; maintenances?: Maintenance[] },
): StatusPage {
  const scoped = options.environments ? incidents.filter((i) => options.environments?.includes(i.environment)) : incidents;
  const componentsFor = (i: Incident) => {
    const named = i.affected.filter((a) => options.components.includes(a));
    return named.length > 0 ? named : options.components;
  };
  const open = scoped.filter((i) => i.status !== 'resolved');
  const since = options.now.getTime() - (options.historyDays ?? 14) * DAY;
  const history = scoped.filter((i) => i.status === 'resolved' && Date.parse(i.milestones.resolved ?? '') >= since);
  const maintenances = (options.maintenances ?? [])
    .map((m) => publicMaintenance(m, options.now))
    .filter((m) => m.status !== 'completed' || Date.parse(m.completedAt ?? m.scheduledUntil) >= since);
  const components = options.components.map((name) => {
    let status = open
      .filter((i) => componentsFor(i).includes(name) && i.status !== 'monitoring')
      .map((i) => COMPONENT_STATUS[i.severity])
      .reduce<ComponentStatus>(worst, 'operational');
    if (status === 'operational' && maintenances.some((m) => m.status === 'in_progress' && m.components.includes(name))) status = 'under_maintenance';
    return { name, status };
  });
  const overall = components.map((c) => c.status).reduce<ComponentStatus>(worst, 'operational');
  return {
    title: options.title,
    status: overall,
    updatedAt: options.now.toISOString(),
    components,
    incidents: open.map((i) => publicIncident(i, componentsFor(i))).reverse(),
    history: history.map((i) => publicIncident(i, componentsFor(i))).reverse(),
    maintenances,
    uptime: options.components.map((name) => uptimeOf(name, scoped, componentsFor, options.now, options.uptimeDays ?? 90)),
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
  under_maintenance: 'Under maintenance',
};

const utc = (iso: string) => `${escapeHtml(iso.replace('T', ' ').slice(0, 16))} UTC`;

export function renderStatusPageHtml(page: StatusPage): string {
  const incident = (i: PublicIncident) =>
    `<article class="incident ${i.status}" id="${escapeHtml(i.id)}"><h3>${escapeHtml(i.name)} <small>${i.status}</small></h3>${i.updates
      .map((u) => `<p><time datetime="${u.at}">${escapeHtml(u.at.replace('T', ' ').slice(0, 16))} UTC</time> <b>${u.status}</b> — ${escapeHtml(u.body)}</p>`)
      .join('')}</article>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="alternate" type="application/atom+xml" title="${escapeHtml(page.title)} incidents" href="/status/feed.atom">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}li{display:flex;justify-content:space-between;border-bottom:1px solid #ddd;padding:.5rem 0}.operational{color:#1a7f37}.degraded_performance{color:#9a6700}.partial_outage{color:#bc4c00}.major_outage{color:#cf222e}article{border-left:4px solid #999;padding-left:1rem;margin:1rem 0}.under_maintenance{color:#0550ae}.bars{display:flex;gap:1px;height:2rem}.bars span{flex:1;background:#2da44e}.bars .degraded_performance{background:#d4a72c}.bars .partial_outage{background:#fb8f44}.bars .major_outage{background:#cf222e}.bars .under_maintenance{background:#0969da}h3 small{font-weight:normal;color:#57606a}</style>
</head><body>
<h1>${escapeHtml(page.title)}</h1>
<p class="${page.status}"><strong>${page.status === 'operational' ? 'All systems operational' : WORDS[page.status]}</strong></p>
<h2>Components</h2><ul>${page.components.map((c) => `<li>${escapeHtml(c.name)} <span class="${c.status}">${WORDS[c.status]}</span></li>`).join('')}</ul>
<h2>Current incidents</h2>${page.incidents.length ? page.incidents.map(incident).join('') : '<p>No current incidents.</p>'}
<h2>Scheduled maintenance</h2>${
    page.maintenances.length
      ? page.maintenances
          .map((m) => `<article class="maintenance ${m.status}" id="${escapeHtml(m.id)}"><h3>${escapeHtml(m.name)} <small>${m.status.replace('_', ' ')}</small></h3><p><time datetime="${m.scheduledFor}">${utc(m.scheduledFor)}</time> – <time datetime="${m.scheduledUntil}">${utc(m.scheduledUntil)}</time> · ${escapeHtml(m.components.join(', '))}</p><p>${escapeHtml(m.body)}</p></article>`)
          .join('')
      : '<p>No maintenance scheduled.</p>'
  }
<h2>Uptime over the last ${page.uptime[0]?.days.length ?? 90} days</h2>${page.uptime
    .map(
      (u) =>
        `<section class="uptime"><h3>${escapeHtml(u.name)} <small>${(u.percent * 100).toFixed(2)}% uptime</small></h3><div class="bars" role="img" aria-label="${escapeHtml(u.name)}: ${(u.percent * 100).toFixed(2)}% uptime; ${u.days.filter((d) => d.status !== 'operational').length} days with incidents">${u.days
          .map((d) => `<span class="${d.status}" title="${d.date}: ${WORDS[d.status]}${d.outageMinutes ? `, ${d.outageMinutes} min` : ''}"></span>`)
          .join('')}</div></section>`,
    )
    .join('')}
<h2>History</h2>${page.history.length ? page.history.map(incident).join('') : '<p>No incidents in the last 14 days.</p>'}
<h2>Get updates</h2><form method="post" action="/status/subscribe"><label for="subscribe-email">Email</label> <input id="subscribe-email" name="email" type="email" required autocomplete="email"> <button type="submit">Subscribe</button></form><p><small>We send a confirmation link first; every update has a one-click unsubscribe link. Webhooks: POST JSON <code>{"webhook": "https://…"}</code> to /status/subscribe.</small></p>
<p>Feeds: <a href="/status/feed.atom">Atom</a> · <a href="/status/feed.rss">RSS</a> · <a href="/status/api/v2/summary.json">JSON summary</a></p>
<p><small>Updated ${escapeHtml(page.updatedAt)}</small></p>
</body></html>
`;
}
