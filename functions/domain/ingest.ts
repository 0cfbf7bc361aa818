import type { PackedMessage } from './envelope.ts';
import { type ErrorDetail, NotEnqueuedError } from './errors.ts';
import type { LogEvent } from './event.ts';

/** What became of one message: SQS has it, does not (it refused it, or it was never sent), or may have it (the send failed or timed out after SQS may have taken it). */
export type SendState = 'enqueued' | 'not-enqueued' | 'unknown';

export interface EventQueue {
  /**
   * Sends every message durably, retrying refusals. Says of each message whether SQS has it; a
   * message SQS may or may not have taken is `unknown`, never `not-enqueued`. Throws DependencyError when
   * SQS refuses for a reason that retrying will not fix.
   */
  sendAll(messages: PackedMessage[], signal?: AbortSignal): Promise<SendState[]>;
}

/**
 * The 503 for messages not known to be enqueued, naming each of their events by its position in the
 * body and saying whether SQS refused it or may have it, and what a retry does.
 */
export function notEnqueuedError(
  events: LogEvent[],
  messages: PackedMessage[],
  states: SendState[],
  requestId: string,
  keyed: boolean,
): NotEnqueuedError {
  const details: ErrorDetail[] = [];
  messages.forEach((message, m) => {
    const state = states[m];
    if (state === 'enqueued') return;
    for (const { positions } of message.chunks) {
      for (const index of positions) {
        details.push({
          index,
          topic: events[index]!.topic,
          event_id: events[index]!.event_id,
          enqueued: state === 'not-enqueued' ? 'no' : 'unknown',
          message:
            state === 'not-enqueued'
              ? 'not enqueued; re-send it'
              : 'not known to be enqueued: the send failed or timed out after SQS may have taken it; re-send it',
        });
      }
    }
  });
  details.sort((a, b) => a.index! - b.index!);
  const unknown = details.filter((d) => d.enqueued === 'unknown').length;
  const retry = keyed
    ? 're-send the whole body, or exactly these events in this order, with the same Idempotency-Key: the request then ends as if nothing had failed, each event counted once'
    : `re-send them: each is stored once${unknown > 0 ? ', but one SQS did take (enqueued: "unknown") is then counted again in received and duplicate_dropped; send an Idempotency-Key to have a retry counted once' : ''}`;
  return new NotEnqueuedError(
    `${details.length} of ${events.length} event(s) are not known to be enqueued (${unknown} of them may be); ${retry}`,
    details,
    events.length - details.length,
    requestId,
  );
}
