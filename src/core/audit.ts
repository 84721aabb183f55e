/** Who changed what, when: one row per mutation, written in the same transaction as the change. */
export interface AuditEntry {
  id: string;
  at: string;
  /** A token's name (`ci-deployer`), `local:<user>` for the CLI on the local store, or `system`. */
  actor: string;
  /** `<thing>.<verb>`: `release.recorded`, `release.transitioned`, `token.created`. */
  action: string;
  target?: string | undefined;
  details?: Record<string, unknown> | undefined;
}
