import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Portable across SQLite and PostgreSQL on purpose: times are
 * ISO-8601 UTC text (sorts correctly, same on both), JSON is text, booleans are 0/1 integers.
 * Each feature adds its tables in its own migration (store/migrations/) and interface here.
 */
export interface ReleasesTable {
  id: string;
  service: string;
  environment: string;
  version: string;
  commit_sha: string | null;
  provider_deployment_id: string | null;
  artifact: string | null;
  deployed_by: string;
  deployed_at: string;
  notes: string | null;
  status: string;
  stable: number;
  verified_at: string | null;
  previous_release_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface SnapshotsTable {
  id: string;
  release_id: string;
  kind: string;
  reference: string;
  checksum: string | null;
  details: string | null;
  taken_at: string;
}

export interface ReleaseTransitionsTable {
  id: string;
  release_id: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string | null;
  at: string;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: string | null;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  /** JSON: `{ "environments": ["production"] }` for tokens limited to some environments; null = all. */
  scope: string | null;
  token_hash: string;
  /** First characters of the token, so a person can tell tokens apart without the secret. */
  token_prefix: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface IncidentsTable {
  id: string;
  service: string;
  environment: string;
  release_id: string | null;
  severity: string;
  status: string;
  detected_at: string;
  /** JSON: everything else on the incident except its timeline. */
  document: string;
  updated_at: string;
  /** When the last status update went out (migration 0042); claimed with compare-and-set. */
  last_update_at: string | null;
}

export interface IncidentTimelineTable {
  incident_id: string;
  seq: number;
  at: string;
  kind: string;
  text: string;
  actor: string;
}

export interface EscalationTimersTable {
  incident_id: string;
  kind: string;
  step: number;
  round: number;
  due_at: string;
}

export interface SigningKeysTable {
  name: string;
  secret: string;
  created_at: string;
}

export interface IncidentTables {
  incidents: IncidentsTable;
  signing_keys: SigningKeysTable;
  incident_timeline: IncidentTimelineTable;
  escalation_timers: EscalationTimersTable;
}

/** Detection and decisions (migration 0010). */
export interface DetectionTables {
  decisions: {
    id: string;
    service: string;
    environment: string;
    release_id: string | null;
    severity: string;
    action: string;
    deadline: string | null;
    status: string;
    approval: string | null;
    explanation: string;
    inputs: string;
    made_at: string;
    decided_by: string | null;
    decided_at: string | null;
    reason: string | null;
  };
  outcome_rollups: {
    service: string;
    environment: string;
    release: string;
    bucket_start: string;
    bucket_ms: number;
    total: number;
    errors: number;
    latency_histogram: string;
  };
  bug_reports: {
    id: string;
    service: string;
    environment: string;
    title: string;
    severity: string | null;
    reporter: string | null;
    reported_at: string;
  };
}

export interface FlagTables {
  flags: { service: string; environment: string; key: string; definition: string; version: number; updated_at: string; updated_by: string };
  flag_sets: { service: string; environment: string; evaluators: string; metadata: string; version: number; updated_at: string; updated_by: string };
  release_flag_snapshots: { release_id: string; service: string; environment: string; flags: string; set_version: number; taken_at: string };
  flag_changes: { id: string; service: string; environment: string; key: string; version: number; definition: string; actor: string; reason: string | null; at: string };
}

/** Rollback plans, step log and leases (migration 0020). */
export interface RollbackTables {
  rollback_plans: {
    id: string;
    service: string;
    environment: string;
    release_id: string | null;
    target_release_id: string | null;
    reason: string;
    actor: string;
    severity: string | null;
    status: string;
    state: string | null;
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
  };
  rollback_steps: {
    plan_id: string;
    step_index: number;
    phase: string;
    name: string;
    /** JSON: provider slot, action, params, timeout, retries, fallback. */
    definition: string;
    status: string;
    attempts: number;
    used_fallback: number;
    summary: string | null;
    error: string | null;
    started_at: string | null;
    finished_at: string | null;
    duration_ms: number | null;
  };
  /** `generation` (migration 0021): the fencing token, raised on every acquisition and never reset. */
  leases: { name: string; holder: string; expires_at: string; generation: Generated<number> };
  /** One row `/readyz` rewrites to prove the store takes writes (migration 0022). */
  store_probe: { id: number; written_at: string };
}

export interface Database extends DetectionTables, RollbackTables, FlagTables {
  releases: ReleasesTable;
  snapshots: SnapshotsTable;
  release_transitions: ReleaseTransitionsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
}

/** Incidents' tables (migration 0040), merged into `Database` by declaration merging so merges stay additive. */
export interface Database extends IncidentTables {}

/** The status page's scheduled maintenance (migration 0043). */
export interface StatusMaintenanceTable {
  id: string;
  service: string;
  title: string;
  body: string;
  /** JSON array of public component names. */
  components: string;
  scheduled_for: string;
  scheduled_until: string;
  completed_at: string | null;
  created_by: string;
  created_at: string;
}

export interface Database {
  status_maintenance: StatusMaintenanceTable;
}

/** The status page's subscribers (migration 0044). */
export interface StatusSubscribersTable {
  id: string;
  service: string;
  kind: string;
  target: string;
  components: string;
  token_hash: string;
  secret: string | null;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
}

export interface Database {
  status_subscribers: StatusSubscribersTable;
}
