import type { Envelope } from './envelope.ts';
import { eventKey, type LogEvent } from './event.ts';

/** DynamoDB's limits for one TransactWriteItems call. */
const maxActions = 100;
const maxTransactionBytes = 3 * 1024 * 1024;

/** One transaction's worth of a message: its events, and the marker that records it was applied. */
export interface Chunk {
  markerId: string;
  deliveryId: string;
  events: LogEvent[];
}

/**
 * Splits a message into chunks, each small enough for one transaction: at most `tx` distinct
 * events (repeats inside the chunk cost no action), and at most 100 actions counting one put per
 * distinct event, one counter update per topic and the marker. The split depends only on the
 * message, so a redelivery is split identically and each chunk's marker means the same thing
 * every time.
 */
export function planChunks(envelope: Envelope): Chunk[] {
  const chunks: Chunk[] = [];
  let events: LogEvent[] = [];
  let keys = new Set<string>();
  let topics = new Set<string>();
  let bytes = 0;
  const flush = () => {
    if (events.length === 0) return;
    chunks.push({ markerId: `${envelope.id}#${chunks.length}`, deliveryId: envelope.id, events });
    events = [];
    keys = new Set();
    topics = new Set();
    bytes = 0;
  };
  for (const event of envelope.events) {
    const key = eventKey(event);
    const size = Buffer.byteLength(JSON.stringify(event.payload), 'utf8') + 1024;
    const puts = keys.size + (keys.has(key) ? 0 : 1);
    const actions = puts + topics.size + (topics.has(event.topic) ? 0 : 1) + 1;
    if (puts > envelope.tx || actions > maxActions || bytes + size > maxTransactionBytes) flush();
    events.push(event);
    keys.add(key);
    topics.add(event.topic);
    bytes += size;
  }
  flush();
  return chunks;
}
