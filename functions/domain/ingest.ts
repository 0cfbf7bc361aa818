import { type PackedMessage, packEvents } from './envelope.ts';
import { NotEnqueuedError } from './errors.ts';
import type { LogEvent } from './event.ts';

export interface SendResult {
  /** Messages SQS did not take for a passing reason, after retries. */
  failedIds: string[];
  cause?: unknown;
}

export interface EventQueue {
  /** Sends every message durably, retrying refusals; resolves with those still refused. */
  sendAll(messages: PackedMessage[], signal?: AbortSignal): Promise<SendResult>;
}

export interface IngestOptions {
  requestId: string;
  eventsPerMessage: number;
  eventsPerTransaction: number;
  signal?: AbortSignal;
}

export interface IngestReceipt {
  accepted: number;
  requestId: string;
  /** What was enqueued, to follow the events to their outcome (POST /publish?wait=). */
  messages: PackedMessage[];
}

/** Packs validated events into messages and enqueues them; every event accepted is durably in SQS. */
export async function ingest(events: LogEvent[], queue: EventQueue, options: IngestOptions): Promise<IngestReceipt> {
  const messages = packEvents(events, options);
  const { failedIds, cause } = await queue.sendAll(messages, options.signal);
  if (failedIds.length === 0) return { accepted: events.length, requestId: options.requestId, messages };

  const failed = new Set(failedIds);
  const notEnqueued = messages
    .filter((message) => failed.has(message.id))
    .flatMap((message) => message.chunks.flat())
    .sort((a, b) => a - b)
    .map((index) => ({
      index,
      topic: events[index]!.topic,
      event_id: events[index]!.event_id,
      message: 'not enqueued; retry this event',
    }));
  throw new NotEnqueuedError(
    `${notEnqueued.length} of ${events.length} event(s) could not be enqueued; retry them (a retry is never double-counted as stored)`,
    notEnqueued,
    events.length - notEnqueued.length,
    options.requestId,
    { cause },
  );
}
