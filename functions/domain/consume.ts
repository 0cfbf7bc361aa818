import { withRetries } from '../shared/retry.ts';
import { addCounts, type Counts, noCounts } from './counts.ts';
import { type Chunk, readMessage } from './envelope.ts';
import { DeadlineError } from './errors.ts';
import type { EventIdentity, LogEvent } from './event.ts';
import { faultFor, InjectedFault } from './faults.ts';
import { bucketOf } from './hash.ts';
import { bodyFingerprintOf, eventKey } from './identity.ts';

/** Everything one transaction commits: its marker, the new events and the counter increments. */
export interface ChunkWrite {
  /** The chunk's id (identity.ts), which its marker records. */
  chunkId: string;
  /** Which shards take this chunk's increments: one of its topics' counters, one of the totals. */
  shards: Shards;
  /** The first occurrence of each event not known to be stored, in chunk order. */
  inserts: LogEvent[];
  /** What the chunk adds to each of its topics. */
  counts: Map<string, Counts>;
  totals: Counts;
  /** One letter per event of the chunk, in order: `s` stored by this chunk, `d` a duplicate. */
  outcomes: string;
}

/**
 * A chunk's shards, both drawn from its id. The totals are spread wider: any two transactions in
 * flight meet on a totals item when they draw the same one, but on a counter item only when they
 * also share a topic, and a topic's `/stats` reads every shard it was written on.
 */
export interface Shards {
  counters: number;
  totals: number;
}

/** What a commit cost in DynamoDB write units: by AWS's item-size rules, and as the service reported it. */
export interface WriteCost {
  rule: number;
  reported?: number;
}

export type CommitOutcome =
  | { kind: 'committed'; cost?: WriteCost }
  /** The chunk's marker exists: an earlier delivery applied this chunk. */
  | { kind: 'already-applied' }
  /** These inserts already exist (another delivery stored them); nothing was written. */
  | { kind: 'duplicates'; keys: string[] }
  /** A conflicting transaction or throttling; nothing was written, try again. */
  | { kind: 'contended' };

export interface Ledger {
  /**
   * A cheap read before the transaction: which of these markers exist and which of these events
   * are stored. Only a hint that saves cancelled transactions; the transaction's conditions stay the gate.
   */
  peek(chunkIds: string[], events: EventIdentity[], signal?: AbortSignal): Promise<{ applied: string[]; stored: string[] }>;
  commit(write: ChunkWrite, signal?: AbortSignal): Promise<CommitOutcome>;
  /** Counts an unreadable message in `rejected`, once per fingerprint. */
  recordUnreadable(fingerprint: string, shard: number, signal?: AbortSignal): Promise<CommitOutcome>;
}

export interface ConsumeOptions {
  counterShards: number;
  totalsShards: number;
  /** Read before writing to skip known duplicates and applied chunks (default true). */
  peek?: boolean;
  /** Honour fault markers (local stage only); receiveCount is the SQS ApproximateReceiveCount. */
  faults?: { enabled: boolean; receiveCount: number };
  /** Attempts for a contended transaction (default 8). */
  contendedAttempts?: number;
  /** Aborts waiting and calls when the invocation's deadline comes. */
  signal?: AbortSignal;
}

/** Work done against DynamoDB for one message, for the benchmark. */
export interface ConsumeMetrics {
  peeks: number;
  /** Keys the pre-reads asked for, markers included: half a read unit each, per started 4 KB of an item found. */
  peekedKeys: number;
  transactions: number;
  cancelled: number;
  wruRule: number;
  wruReported: number;
}

const emptyMetrics = (): ConsumeMetrics => ({ peeks: 0, peekedKeys: 0, transactions: 0, cancelled: 0, wruRule: 0, wruReported: 0 });

export type MessageOutcome =
  | {
      status: 'applied';
      /** The delivery's id, for logs: the request and the position of its first event, or the SQS message id of a bare event. */
      deliveryId: string;
      unique: number;
      duplicates: number;
      redelivered: number;
      metrics: ConsumeMetrics;
    }
  /** Not a message any release of publish wrote: it must stay in the queue and reach the DLQ intact. */
  | { status: 'unreadable'; reason: string; metrics: ConsumeMetrics };

export class ContentionError extends Error {
  override readonly name = 'ContentionError';
}

/**
 * Applies one SQS message exactly once, however often it is delivered: each chunk commits its
 * events, its counters and its marker in one transaction, or recognises from the marker that an
 * earlier delivery already did.
 */
export async function consumeMessage(body: string, messageId: string, ledger: Ledger, options: ConsumeOptions): Promise<MessageOutcome> {
  const metrics = emptyMetrics();
  const read = readMessage(body, messageId);
  if (!read.ok) {
    const fingerprint = bodyFingerprintOf(body);
    await settle(() => ledger.recordUnreadable(fingerprint, bucketOf(fingerprint, options.totalsShards), options.signal), options, metrics);
    return { status: 'unreadable', reason: read.reason, metrics };
  }
  const { delivery } = read;
  const fault = options.faults?.enabled ? faultFor(delivery, options.faults.receiveCount) : undefined;
  if (fault === 'fail')
    throw new InjectedFault(`injected failure before write in ${delivery.id} (receive ${options.faults?.receiveCount})`);
  const totals = { unique: 0, duplicates: 0, redelivered: 0 };
  const known: Known = { applied: new Set(), stored: new Set() };
  let peekedUpTo = 0;
  for (const [position, chunk] of delivery.chunks.entries()) {
    options.signal?.throwIfAborted();
    if ((options.peek ?? true) && position >= peekedUpTo) {
      const plan = planPeek(delivery.chunks.slice(position), known.stored);
      peekedUpTo = position + plan.chunks;
      await peekChunks(delivery.chunks.slice(position, peekedUpTo), plan.events, known, ledger, options, metrics);
    }
    const result = await applyChunk(chunk, ledger, options, metrics, known);
    totals.unique += result.unique;
    totals.duplicates += result.duplicates;
    totals.redelivered += result.redelivered;
  }
  if (fault === 'crash_after_write') {
    const did = totals.redelivered > 0 ? 'found it already applied' : `stored ${totals.unique} new, ${totals.duplicates} duplicate(s)`;
    throw new InjectedFault(`injected crash after write in ${delivery.id} (receive ${options.faults?.receiveCount}; this delivery ${did})`);
  }
  return { status: 'applied', deliveryId: delivery.id, ...totals, metrics };
}

interface ChunkResult {
  unique: number;
  duplicates: number;
  redelivered: number;
}

/** What this delivery has learnt of the tables: chunks whose marker exists, events that are stored. */
interface Known {
  applied: Set<string>;
  stored: Set<string>;
}

/** BatchGetItem reads at most 100 keys in one call. */
export const maxKeysPerPeek = 100;

/**
 * How many of these chunks, from the first, one pre-read covers, and the events it reads besides
 * their markers: each distinct event not already known to be stored, once, all within one
 * BatchGetItem. It always covers the first chunk (`chunks` is never empty). A request's chunks
 * share a message, so their pre-reads are one call when they fit.
 */
export function planPeek(chunks: Chunk[], knownStored: ReadonlySet<string>): { chunks: number; events: LogEvent[] } {
  const events = new Map<string, LogEvent>();
  let count = 0;
  for (const chunk of chunks) {
    const added = new Map<string, LogEvent>();
    for (const event of chunk.events) {
      const key = eventKey(event);
      if (!events.has(key) && !knownStored.has(key)) added.set(key, event);
    }
    if (count > 0 && count + 1 + events.size + added.size > maxKeysPerPeek) break;
    for (const [key, event] of added) events.set(key, event);
    count++;
  }
  return { chunks: count, events: [...events.values()] };
}

async function peekChunks(
  chunks: Chunk[],
  events: LogEvent[],
  known: Known,
  ledger: Ledger,
  options: ConsumeOptions,
  metrics: ConsumeMetrics,
): Promise<void> {
  metrics.peeks++;
  metrics.peekedKeys += chunks.length + events.length;
  const peeked = await ledger.peek(
    chunks.map((chunk) => chunk.id),
    events,
    options.signal,
  );
  for (const id of peeked.applied) known.applied.add(id);
  for (const key of peeked.stored) known.stored.add(key);
}

/**
 * Commits one chunk. What `known` holds is a hint read before: the transaction's conditions stay
 * the gate. The events a chunk stores are added to it, so that a later chunk of the same delivery
 * counts their repeats as duplicates without a cancelled transaction.
 */
async function applyChunk(
  chunk: Chunk,
  ledger: Ledger,
  options: ConsumeOptions,
  metrics: ConsumeMetrics,
  known: Known,
): Promise<ChunkResult> {
  if (known.applied.has(chunk.id)) return { unique: 0, duplicates: 0, redelivered: chunk.events.length };
  const shards = { counters: bucketOf(chunk.id, options.counterShards), totals: bucketOf(chunk.id, options.totalsShards) };
  for (;;) {
    const write = buildWrite(chunk, shards, known.stored);
    const outcome = await settle(() => ledger.commit(write, options.signal), options, metrics);
    if (outcome.kind === 'already-applied') return { unique: 0, duplicates: 0, redelivered: chunk.events.length };
    if (outcome.kind === 'committed') {
      for (const event of write.inserts) known.stored.add(eventKey(event));
      return { unique: write.totals.unique, duplicates: write.totals.duplicates, redelivered: 0 };
    }
    // Learn which events another delivery stored first and commit the rest; each round
    // removes at least one insert, so this ends.
    for (const key of outcome.keys) known.stored.add(key);
  }
}

/** The first occurrence of each event not known to be stored is inserted; every other occurrence is a duplicate. */
export function buildWrite(chunk: Chunk, shards: Shards, knownStored: ReadonlySet<string>): ChunkWrite {
  const inserts: LogEvent[] = [];
  const seen = new Set<string>();
  const counts = new Map<string, Counts>();
  const totals = noCounts();
  let outcomes = '';
  for (const event of chunk.events) {
    const key = eventKey(event);
    const topic = counts.get(event.topic) ?? noCounts();
    counts.set(event.topic, topic);
    const fresh = !seen.has(key) && !knownStored.has(key);
    seen.add(key);
    const delta = { received: 1, unique: fresh ? 1 : 0, duplicates: fresh ? 0 : 1 };
    addCounts(topic, delta);
    addCounts(totals, delta);
    outcomes += fresh ? 's' : 'd';
    if (fresh) inserts.push(event);
  }
  return { chunkId: chunk.id, shards, inserts, counts, totals, outcomes };
}

/** Commits, retrying contention with the one retry policy until it settles, the attempts run out, or the deadline comes. */
/** How a transaction cancelled by contention is retried (docs/CAPACITY.md models it against DynamoDB's conflict rule). */
export const contendedRetry = { attempts: 8, minDelayMs: 20, maxDelayMs: 500 };

async function settle(
  commit: () => Promise<CommitOutcome>,
  options: ConsumeOptions,
  metrics: ConsumeMetrics,
): Promise<Exclude<CommitOutcome, { kind: 'contended' }>> {
  const attempts = options.contendedAttempts ?? contendedRetry.attempts;
  try {
    return await withRetries(
      async () => {
        const outcome = await commit();
        if (outcome.kind === 'committed') {
          metrics.transactions++;
          metrics.wruRule += outcome.cost?.rule ?? 0;
          metrics.wruReported += outcome.cost?.reported ?? 0;
        } else metrics.cancelled++;
        if (outcome.kind === 'contended') throw new ContentionError(`transaction still contended after ${attempts} attempts`);
        return outcome;
      },
      { ...contendedRetry, attempts, retryable: (error) => error instanceof ContentionError, signal: options.signal },
    );
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof ContentionError)) {
      throw new DeadlineError('the invocation ran out of time before this message was applied', [], { cause: error });
    }
    throw error;
  }
}
