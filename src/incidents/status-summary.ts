import type { ComponentStatus, PublicIncident, StatusPage } from './status-page.js';

/** Component ids are their public names as slugs: stable, and nothing internal. */
export const componentId = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

const INDICATOR: Record<ComponentStatus, { indicator: 'none' | 'minor' | 'major' | 'critical'; description: string }> = {
  operational: { indicator: 'none', description: 'All Systems Operational' },
  under_maintenance: { indicator: 'none', description: 'Service Under Maintenance' },
  degraded_performance: { indicator: 'minor', description: 'Minor Service Outage' },
  partial_outage: { indicator: 'major', description: 'Partial System Outage' },
  major_outage: { indicator: 'critical', description: 'Major Service Outage' },
};

/**
 * The JSON summary in the shape hosted status pages publish (Atlassian Statuspage's `/api/v2/summary.json`:
 * page, components, unresolved incidents with their updates, upcoming and in-progress maintenance, the
 * overall indicator), so status aggregators and widgets read it without an adapter.
 */
export function statusSummary(page: StatusPage, url: string) {
  const pageId = componentId(page.title) || 'status';
  const components = page.components.map((c, position) => ({
    id: componentId(c.name),
    name: c.name,
    status: c.status,
    created_at: null,
    updated_at: page.updatedAt,
    position: position + 1,
    description: null,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: pageId,
    group: false,
    only_show_if_degraded: false,
  }));
  const refs = (names: string[]) => components.filter((c) => names.includes(c.name));
  const incident = (i: PublicIncident) => ({
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: i.startedAt,
    updated_at: i.updates[0]?.at ?? i.startedAt,
    monitoring_at: [...i.updates].reverse().find((u) => u.status === 'monitoring')?.at ?? null,
    resolved_at: i.resolvedAt,
    impact: i.impact,
    shortlink: `${url}#${i.id}`,
    started_at: i.startedAt,
    page_id: pageId,
    incident_updates: i.updates.map((u, n) => ({ id: `${i.id}-${i.updates.length - n}`, status: u.status, body: u.body, incident_id: i.id, created_at: u.at, updated_at: u.at, display_at: u.at, affected_components: null, deliver_notifications: true })),
    components: refs(i.components),
  });
  return {
    page: { id: pageId, name: page.title, url, time_zone: 'Etc/UTC', updated_at: page.updatedAt },
    components,
    incidents: page.incidents.map(incident),
    scheduled_maintenances: page.maintenances
      .filter((m) => m.status !== 'completed')
      .map((m) => ({
        id: m.id,
        name: m.name,
        status: m.status,
        created_at: m.scheduledFor,
        updated_at: m.scheduledFor,
        monitoring_at: null,
        resolved_at: m.completedAt,
        impact: 'maintenance',
        shortlink: `${url}#${m.id}`,
        started_at: m.scheduledFor,
        page_id: pageId,
        incident_updates: [{ id: `${m.id}-1`, status: m.status, body: m.body, incident_id: m.id, created_at: m.scheduledFor, updated_at: m.scheduledFor, display_at: m.scheduledFor, affected_components: null, deliver_notifications: true }],
        components: refs(m.components),
        scheduled_for: m.scheduledFor,
        scheduled_until: m.scheduledUntil,
      })),
    status: INDICATOR[page.status],
  };
}
