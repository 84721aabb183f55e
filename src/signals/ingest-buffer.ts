import { RipcordError } from '../core/errors.js';

/**
 * How many one-second buckets (per release) of ingested outcomes may wait in memory for a store that
 * takes no writes: about 2.7 hours of one release's traffic, or 45 minutes of four releases, whatever
 * the request rate (outcomes are counted into buckets, not kept one by one). They are written when the
 * store is back. Past this, ingest answers 503 with Retry-After instead of 202: acknowledged means
 * stored, or held here.
 */
export const INGEST_BUFFER_BUCKETS = 10_000;

/** Throws 503 when the store takes no writes and the buffer of unpersisted buckets is full. */
export function assertIngestBuffered(writeFault: string | undefined, unpersistedBuckets: number, limit = INGEST_BUFFER_BUCKETS): void {
  if (writeFault && unpersistedBuckets >= limit) {
    throw new RipcordError('unavailable', `ingest is refused: the store takes no writes (${writeFault}) and ${unpersistedBuckets} buckets of outcomes already wait in memory (limit ${limit}); send again later`);
  }
}
