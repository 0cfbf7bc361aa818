import { readMessage } from './envelope.ts';
import { eventKey, type LogEvent } from './event.ts';
import { faultFor, InjectedFault } from './faults.ts';
import { type Chunk, planChunks } from './transaction-plan.ts';

export interface TopicCounts {
  received: number;
  unique: number;
  duplicates: number;
}

/** Everything one transaction commits: the marker, the new events and the counter increments. */
export interface ChunkWrite {
  markerId: string;
  deliveryId: string;
  shard: number;
  inserts: LogEvent[];
  counts: Map<string, TopicCounts>;
}

/** What a commit cost in DynamoDB write units: by AWS's item-size rules, and as the service reported it. */
export interface WriteCost {
  rule: number;
  reported?: number;
}

export type CommitOutcome =
  | { kind: 'committed'; cost?: WriteCost }
  /** The marker exists: this chunk was applied by an earlier delivery. */
  | { kind: 'already-applied' }
  /** These inserts already exist (another delivery stored them); nothing was written. */
  | { kind: 'duplicates'; keys: string[] }
  /** A conflicting transaction or throttling; nothing was written, try again. */
  | { kind: 'contended' };

export interface Ledger {
  /**
   * A cheap read before the transaction: whether the chunk's marker exists and which of its
   * events are already stored. Only a hint that saves cancelled transactions; the transaction's
   * conditions remain the gate.
   */
  peekChunk(markerId: string, keys: Array<{ topic: string; event_id: string }>): Promise<{ applied: boolean; stored: string[] }>;
  commitChunk(write: ChunkWrite): Promise<CommitOutcome>;
  commitRejection(markerId: string, shard: number): Promise<CommitOutcome>;
}

export interface ConsumeOptions {
  counterShards: number;
  defaultTransactionSize: number;
  maxContendedAttempts?: number;
  /** Read before writing to skip known duplicates and applied chunks (default true). */
  peek?: boolean;
  /** Honour fault markers (local stage only); receiveCount is the SQS ApproximateReceiveCount. */
  faults?: { enabled: boolean; receiveCount: number };
  sleep?: (ms: number) => Promise<void>;
}

/** Work done against DynamoDB for one message, for the benchmark. */
export interface ConsumeMetrics {
  peeks: number;
  transactions: number;
  cancelled: number;
  wruRule: number;
  wruReported: number;
}

export const emptyMetrics = (): ConsumeMetrics => ({ peeks: 0, transactions: 0, cancelled: 0, wruRule: 0, wruReported: 0 });

export function addMetrics(total: ConsumeMetrics, more: ConsumeMetrics): void {
  for (const key of Object.keys(total) as Array<keyof ConsumeMetrics>) total[key] += more[key];
}

export type MessageOutcome =
  | { status: 'processed'; deliveryId: string; unique: number; duplicates: number; redelivered: number; metrics: ConsumeMetrics }
  | { status: 'rejected'; reason: string; metrics: ConsumeMetrics };

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
  const read = readMessage(body, messageId, options.defaultTransactionSize);
  if (!read.ok) {
    const markerId = `sqs:${messageId}#rejected`;
    await untilSettled(() => ledger.commitRejection(markerId, shardOf(markerId, options.counterShards)), options, metrics);
    return { status: 'rejected', reason: read.reason, metrics };
  }
  const fault = options.faults?.enabled ? faultFor(read.envelope, options.faults.receiveCount) : undefined;
  if (fault === 'fail')
    throw new InjectedFault(`injected failure before write in ${read.envelope.id} (receive ${options.faults?.receiveCount})`);
  const totals = { status: 'processed' as const, deliveryId: read.envelope.id, unique: 0, duplicates: 0, redelivered: 0, metrics };
  for (const chunk of planChunks(read.envelope)) {
    const result = await applyChunk(chunk, ledger, options, metrics);
    if (result === 'already-applied') totals.redelivered += chunk.events.length;
    else {
      totals.unique += result.unique;
      totals.duplicates += result.duplicates;
    }
  }
  if (fault === 'crash_after_write') {
    const did = totals.redelivered > 0 ? 'found it already applied' : `stored ${totals.unique} new, ${totals.duplicates} duplicate(s)`;
    throw new InjectedFault(
      `injected crash after write in ${read.envelope.id} (receive ${options.faults?.receiveCount}; this delivery ${did})`,
    );
  }
  return totals;
}

async function applyChunk(
  chunk: Chunk,
  ledger: Ledger,
  options: ConsumeOptions,
  metrics: ConsumeMetrics,
): Promise<'already-applied' | { unique: number; duplicates: number }> {
  const knownDuplicates = new Set<string>();
  const shard = shardOf(chunk.markerId, options.counterShards);
  if (options.peek ?? true) {
    metrics.peeks++;
    const peeked = await ledger.peekChunk(chunk.markerId, chunk.events);
    if (peeked.applied) return 'already-applied';
    for (const key of peeked.stored) knownDuplicates.add(key);
  }
  for (;;) {
    const write = buildWrite(chunk, shard, knownDuplicates);
    const outcome = await untilSettled(() => ledger.commitChunk(write), options, metrics);
    if (outcome.kind === 'already-applied') return 'already-applied';
    if (outcome.kind === 'committed') {
      return { unique: write.inserts.length, duplicates: chunk.events.length - write.inserts.length };
    }
    // Learn which events another delivery stored first and commit the rest; each round
    // removes at least one insert, so this ends.
    for (const key of outcome.keys) knownDuplicates.add(key);
  }
}

/** The first occurrence of each event not known to be stored is inserted; every other occurrence is a duplicate. */
export function buildWrite(chunk: Chunk, shard: number, knownDuplicates: ReadonlySet<string>): ChunkWrite {
  const inserts: LogEvent[] = [];
  const seen = new Set<string>();
  const counts = new Map<string, TopicCounts>();
  for (const event of chunk.events) {
    const key = eventKey(event);
    const topic = counts.get(event.topic) ?? { received: 0, unique: 0, duplicates: 0 };
    counts.set(event.topic, topic);
    topic.received += 1;
    if (seen.has(key) || knownDuplicates.has(key)) {
      topic.duplicates += 1;
      continue;
    }
    seen.add(key);
    inserts.push(event);
    topic.unique += 1;
  }
  return { markerId: chunk.markerId, deliveryId: chunk.deliveryId, shard, inserts, counts };
}

async function untilSettled(
  commit: () => Promise<CommitOutcome>,
  options: ConsumeOptions,
  metrics: ConsumeMetrics,
): Promise<Exclude<CommitOutcome, { kind: 'contended' }>> {
  const attempts = options.maxContendedAttempts ?? 12;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    const outcome = await commit();
    if (outcome.kind === 'committed') {
      metrics.transactions++;
      metrics.wruRule += outcome.cost?.rule ?? 0;
      metrics.wruReported += outcome.cost?.reported ?? 0;
    } else metrics.cancelled++;
    if (outcome.kind !== 'contended') return outcome;
    if (attempt >= attempts) throw new ContentionError(`transaction still contended after ${attempts} attempts`);
    await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
  }
}

/** Spreads counter writes over shards so no single item takes every transaction. */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
