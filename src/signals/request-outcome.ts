/**
 * One served request, as the canary judge counts it. Sources: `POST /api/v1/ingest` batches, the
 * `ripcord/ingest` middleware, and the router provider labelling each proxied request by arm.
 */
export interface RequestOutcome {
  service: string;
  environment: string;
  /** The release that served it (version or release id), or the arm: `canary` / `baseline`. */
  release: string;
  ok: boolean;
  status?: number | undefined;
  latencyMs: number;
  route?: string | undefined;
  /** Epoch ms. */
  at: number;
}

/** Where outcomes go; the signals package aggregates them into time buckets per release/arm. */
export interface OutcomeSink {
  record(outcome: RequestOutcome): void;
}
