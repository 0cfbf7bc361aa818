import type { LogEvent } from './event.ts';
import { eventKey } from './identity.ts';

/** DynamoDB takes at most 100 actions in one TransactWriteItems. */
export const maxTransactionActions = 100;

/** Besides its own writes, a chunk's transaction writes its marker and its shard's totals. */
export const writesPerChunk = 2;

/**
 * What publish lets one chunk hold: a put per distinct event plus a counter update per topic, 96
 * at most. With the marker and the totals that is 98 actions, leaving two spare for a later layout,
 * so that every chunk ever enqueued commits in one transaction whatever release of the consumer
 * reads it.
 */
export const maxChunkWrites = 96;

/** A chunk holds at least one topic, so at most 95 distinct events. */
export const maxEventsPerChunk = maxChunkWrites - 1;

/** The puts and counter updates a chunk of these events needs: one per distinct event, one per topic. */
export function chunkWrites(events: Pick<LogEvent, 'topic' | 'event_id'>[]): number {
  return new Set(events.map(eventKey)).size + new Set(events.map((e) => e.topic)).size;
}

export interface ChunkBudget {
  /** Distinct events per chunk. */
  maxEvents: number;
  /** Puts plus counter updates per chunk. */
  maxWrites: number;
}

/**
 * Splits events, in order, into chunks within the budget (repeats of an event inside a chunk are
 * free). Returns the positions in each chunk.
 */
export function planChunks(events: Pick<LogEvent, 'topic' | 'event_id'>[], budget: ChunkBudget): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let keys = new Set<string>();
  let topics = new Set<string>();
  events.forEach((event, position) => {
    const key = eventKey(event);
    const puts = keys.size + (keys.has(key) ? 0 : 1);
    const writes = puts + topics.size + (topics.has(event.topic) ? 0 : 1);
    if (current.length > 0 && (puts > budget.maxEvents || writes > budget.maxWrites)) {
      chunks.push(current);
      current = [];
      keys = new Set();
      topics = new Set();
    }
    current.push(position);
    keys.add(key);
    topics.add(event.topic);
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}
