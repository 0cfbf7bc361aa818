import { eventKey, type LogEvent } from './event.ts';

/**
 * Envelope version 1, as releases before version 2 wrote it: `{"v":1,"id","tx","events"}`. The
 * consumer split its events into chunks itself, and a chunk's marker `<id>#<n>` names the n-th
 * chunk of *that* split. To recognise a v1 message that an older consumer had partly applied,
 * this split is kept exactly as it was (its budgets included). Never change it.
 */
export interface EnvelopeV1 {
  v: 1;
  id: string;
  tx: number;
  events: LogEvent[];
}

const v1MaxActions = 100;
const v1MaxTransactionBytes = 3 * 1024 * 1024;

/** The positions of each v1 chunk, as the v1 consumer planned them. */
export function planChunksV1(envelope: EnvelopeV1): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let keys = new Set<string>();
  let topics = new Set<string>();
  let bytes = 0;
  envelope.events.forEach((event, position) => {
    const key = eventKey(event);
    const size = Buffer.byteLength(JSON.stringify(event.payload), 'utf8') + 1024;
    const puts = keys.size + (keys.has(key) ? 0 : 1);
    const actions = puts + topics.size + (topics.has(event.topic) ? 0 : 1) + 1;
    if (puts > envelope.tx || actions > v1MaxActions || bytes + size > v1MaxTransactionBytes) {
      if (current.length > 0) chunks.push(current);
      current = [];
      keys = new Set();
      topics = new Set();
      bytes = 0;
    }
    current.push(position);
    keys.add(key);
    topics.add(event.topic);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}
