/**
 * A history: every operation a client made, as it made it and as it ended, in the order they
 * were invoked. The simulator writes one in memory, the chaos run one line of JSON per operation;
 * the same checker (checker.ts) reads both against the final state.
 */
export interface SentEvent {
  topic: unknown;
  event_id: unknown;
  timestamp: unknown;
  source: unknown;
  payload?: unknown;
  [field: string]: unknown;
}

export interface Answer {
  status: number;
  /** The headers that matter to the checker: `idempotent-replayed`. */
  headers?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: an answer's JSON, of whichever shape its status and path give
  body: any;
}

export interface PublishOperation {
  op: 'publish';
  client: string;
  /** The client's own count of its operations, and of this request's attempts. */
  seq: number;
  attempt: number;
  invokedAt: number;
  completedAt: number;
  /** The caller (API key): idempotency keys are scoped to it. */
  caller: string;
  key?: string;
  wait?: number;
  /** The events of the body, as sent (a body that is not a list of events has none). */
  events: SentEvent[];
  /** For a re-send of the events a 503 named: the request that 503 was for. */
  retryOf?: string;
  /** The answer, or `unknown` when the client never learnt it (a cut connection, a timeout). */
  answer: Answer | 'unknown';
}

export interface ReadOperation {
  op: 'events' | 'stats';
  client: string;
  invokedAt: number;
  completedAt: number;
  query: Record<string, string>;
  /** Each page's answer, in order; a walk follows next_cursor. */
  pages: Answer[];
  /** Made once nothing was moving any more: it must return exactly what is stored. */
  final?: boolean;
}

export interface DeployOperation {
  op: 'deploy';
  at: number;
  packing: { eventsPerMessage: number; eventsPerTransaction: number };
}

export type Operation = PublishOperation | ReadOperation | DeployOperation;

/** What the system holds at the end, read through its API (and, in the simulator, from the tables). */
export interface FinalState {
  /** Every stored event, by its identity `[topic, event_id]` as JSON. */
  events: Map<string, { topic: string; event_id: string; timestamp: string; source: string; payload: unknown; chunkId?: string }>;
  totals: { received: number; unique_processed: number; duplicate_dropped: number };
  topics: Map<string, { received: number; unique_processed: number; duplicate_dropped: number }>;
}
