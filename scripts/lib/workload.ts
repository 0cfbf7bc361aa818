import { seededRandom, shuffle } from './random.ts';

export interface WorkloadEvent {
  topic: string;
  event_id: string;
  timestamp: string;
  source: string;
  payload: Record<string, unknown>;
}

export interface WorkloadOptions {
  events: number;
  duplicateRatio: number;
  topics: number;
  batchSize: number;
  payloadBytes: number;
  seed: number;
  /** Prefix of every event_id and topic, so that two runs never share events (but share a shape). */
  runId: string;
}

export interface Workload {
  requests: WorkloadEvent[][];
  total: number;
  distinct: number;
  kinds: { inBatch: number; crossBatch: number; resent: number };
}

/**
 * Builds the requests a client sends: `events` in all, of which `duplicateRatio` repeat an earlier
 * event in three ways: inside the same batch, in a later batch, and whole requests re-sent
 * exactly, as a retrying client would.
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const duplicates = Math.round(options.events * options.duplicateRatio);
  const distinct = options.events - duplicates;
  const resendBudget = Math.round(duplicates * 0.3);
  const inBatch = Math.round((duplicates - resendBudget) / 2);
  const crossBatch = duplicates - resendBudget - inBatch;
  const filler = 'x'.repeat(Math.max(0, options.payloadBytes - 40));
  const topicNames = Array.from({ length: options.topics }, (_, i) => `load.${options.runId}.t${i}`);
  const start = Date.UTC(2026, 10, 22, 0, 0, 0);

  let next = 0;
  const fresh = (): WorkloadEvent => {
    const n = next++;
    return {
      topic: topicNames[n % topicNames.length]!,
      event_id: `${options.runId}-${n}`,
      timestamp: new Date(start + n * 1000).toISOString(),
      source: `publisher-${n % 4}`,
      payload: { n, ...(filler ? { filler } : {}) },
    };
  };

  const slots: Array<'fresh' | 'in-batch' | 'cross-batch'> = shuffle(
    [...Array(distinct).fill('fresh'), ...Array(inBatch).fill('in-batch'), ...Array(crossBatch).fill('cross-batch')],
    random,
  );
  const requests: WorkloadEvent[][] = [];
  const earlier: WorkloadEvent[] = [];
  let current: WorkloadEvent[] = [];
  const pick = (from: WorkloadEvent[]) => from[Math.floor(random() * from.length)]!;
  for (const slot of slots) {
    let event: WorkloadEvent;
    if (slot === 'fresh' || (current.length === 0 && earlier.length === 0)) event = fresh();
    else if ((slot === 'in-batch' && current.length > 0) || earlier.length === 0) event = pick(current);
    else event = pick(earlier);
    current.push(event);
    if (current.length === options.batchSize) {
      earlier.push(...current);
      requests.push(current);
      current = [];
    }
  }
  if (current.length > 0) requests.push(current);
  // The first slot is always fresh, so `next` can exceed `distinct` by one; the total is unchanged.
  const minted = next;

  // Exact re-sends: a copy of an earlier request (or, for the remainder, of its first events)
  // sent again later, as a client retrying after a lost response would.
  let budget = resendBudget;
  let resent = 0;
  while (budget > 0 && requests.length > 0) {
    const sourceIndex = Math.floor(random() * requests.length);
    const copy = requests[sourceIndex]!.slice(0, budget);
    const position = sourceIndex + 1 + Math.floor(random() * (requests.length - sourceIndex));
    requests.splice(position, 0, copy);
    budget -= copy.length;
    resent += copy.length;
  }
  const total = requests.reduce((sum, request) => sum + request.length, 0);
  return { requests, total, distinct: minted, kinds: { inBatch, crossBatch, resent } };
}
