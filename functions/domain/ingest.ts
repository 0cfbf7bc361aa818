import { NotEnqueuedError } from '../shared/errors.ts';
import { type PackedMessage, packEvents } from './envelope.ts';
import type { LogEvent } from './event.ts';

export interface EventQueue {
  /** Sends every message durably, retrying refusals; resolves with the ids still refused. */
  sendAll(messages: PackedMessage[]): Promise<{ failedIds: string[] }>;
}

export interface IngestOptions {
  requestId: string;
  eventsPerMessage: number;
  eventsPerTransaction: number;
}

export interface IngestReceipt {
  accepted: number;
  requestId: string;
}

/** Packs validated events into messages and enqueues them; every event accepted is durably in SQS. */
export async function ingest(events: LogEvent[], queue: EventQueue, options: IngestOptions): Promise<IngestReceipt> {
  const messages = packEvents(events, options);
  const { failedIds } = await queue.sendAll(messages);
  if (failedIds.length === 0) return { accepted: events.length, requestId: options.requestId };

  const failed = new Set(failedIds);
  const notEnqueued = messages
    .filter((message) => failed.has(message.id))
    .flatMap((message) => message.indexes)
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
  );
}
