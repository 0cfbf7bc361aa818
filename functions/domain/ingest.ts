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

/** What a client may re-send after a 503: without a key, the named events; with one, the whole body or exactly the named events, or the whole body only when the named set could not be recorded. */
export type RetryRule = 'unkeyed' | 'named-or-whole' | 'whole';

const retryAdvice: Record<RetryRule, (unknown: number) => string> = {
  unkeyed: (unknown) =>
    `re-send them: each is stored once${unknown > 0 ? ', but one SQS did take (enqueued: "unknown") is then counted again in received and duplicate_dropped; send an Idempotency-Key to have a retry counted once' : ''}`,
  'named-or-whole': () =>
    're-send the whole body, or exactly these events in this order, with the same Idempotency-Key: the request then ends as if nothing had failed, each event counted once',
  whole: () =>
    're-send the whole body with the same Idempotency-Key (which events were named could not be recorded, so a body of just these would be refused): the request then ends as if nothing had failed',
};

/**
 * The 503 for messages not known to be enqueued, naming each of their events by its position in the
 * body (names would make the answer grow past Lambda's answer limit) and saying whether SQS refused
 * it or may have it, and what a retry does.
 */
export function notEnqueuedError(
  events: LogEvent[],
  messages: PackedMessage[],
  states: SendState[],
  requestId: string,
  rule: RetryRule,
): NotEnqueuedError {
  const details: ErrorDetail[] = [];
  messages.forEach((message, m) => {
    const state = states[m];
    if (state === 'enqueued') return;
    for (const { positions } of message.chunks) {
      for (const index of positions) {
        details.push(
          state === 'not-enqueued'
            ? { index, enqueued: 'no', message: 'not enqueued; re-send it' }
            : { index, enqueued: 'unknown', message: 'not known to be enqueued: SQS may have taken it; re-send it' },
        );
      }
    }
  });
  details.sort((a, b) => a.index! - b.index!);
  const unknown = details.filter((d) => d.enqueued === 'unknown').length;
  return new NotEnqueuedError(
    `${details.length} of ${events.length} event(s) are not known to be enqueued (${unknown} of them may be); ${retryAdvice[rule](unknown)}`,
    details,
    events.length - details.length,
    requestId,
  );
}
