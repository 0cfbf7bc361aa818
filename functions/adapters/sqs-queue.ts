import { SendMessageBatchCommand, type SendMessageBatchCommandOutput, type SQSClient } from '@aws-sdk/client-sqs';
import { isThrottlingError } from '@smithy/core/retry';
import type { PackedMessage } from '../domain/envelope.ts';
import { DependencyError } from '../domain/errors.ts';
import type { EventQueue, SendState } from '../domain/ingest.ts';
import { withRetries } from '../shared/retry.ts';
import { isTransient } from './aws-errors.ts';

/** SendMessageBatch takes at most 10 entries and 262,144 bytes in all. */
const maxEntries = 10;
const maxBatchBytes = 256 * 1024;

export interface SendOptions {
  /** Attempts per batch for entries SQS did not take (default 4). */
  attempts?: number;
  /** Fault injection (local stage only): entries for which this returns true are refused as SQS would refuse them. */
  refuse?: (message: PackedMessage) => boolean;
}

class NotTakenError extends Error {
  override readonly name = 'NotTakenError';
}

/** What one message has been through: taken by SQS, or possibly taken by a call whose answer was lost. */
interface Tracked {
  message: PackedMessage;
  enqueued: boolean;
  maybe: boolean;
}

export class SqsEventQueue implements EventQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly options: SendOptions;

  constructor(client: SQSClient, queueUrl: string, options: SendOptions = {}) {
    this.client = client;
    this.queueUrl = queueUrl;
    this.options = options;
  }

  /**
   * Sends every message, re-sending what SQS did not take (a re-sent message carries the same
   * chunk ids, so one SQS took twice is applied once). Refusals that will not pass (access denied,
   * a missing queue, a malformed entry) throw DependencyError at once.
   */
  async sendAll(messages: PackedMessage[], signal?: AbortSignal): Promise<SendState[]> {
    const tracked = messages.map((message): Tracked => ({ message, enqueued: false, maybe: false }));
    await Promise.all(batchesOf(tracked, (t) => t.message).map((batch) => this.sendBatch(batch, signal)));
    return tracked.map((t) => (t.enqueued ? 'enqueued' : t.maybe ? 'unknown' : 'not-enqueued'));
  }

  private async sendBatch(batch: Tracked[], signal?: AbortSignal): Promise<void> {
    try {
      await withRetries(
        async () => {
          const pending = batch.filter((t) => !t.enqueued);
          await this.trySend(pending, signal);
          if (pending.some((t) => !t.enqueued)) throw new NotTakenError('SQS did not take every message');
        },
        { attempts: this.options.attempts ?? 4, retryable: (error) => error instanceof NotTakenError, minDelayMs: 50, signal },
      );
    } catch (error) {
      // Out of attempts or out of time: what SQS has not taken is reported, not thrown.
      if (error instanceof NotTakenError || (signal?.aborted && !(error instanceof DependencyError))) return;
      throw error;
    }
  }

  /** One SendMessageBatch; marks what SQS took, and what it may have taken. */
  private async trySend(batch: Tracked[], signal?: AbortSignal): Promise<void> {
    const sendable = batch.filter((t) => !this.options.refuse?.(t.message));
    if (sendable.length === 0) return;
    // Entry ids must be short and [A-Za-z0-9_-]: use positions, map back to messages.
    const entries = sendable.map((t, i) => ({ Id: String(i), MessageBody: t.message.body }));
    let result: SendMessageBatchCommandOutput;
    try {
      result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }), { abortSignal: signal });
    } catch (error) {
      // The SDK has already retried what it classifies as transient. A throttled call was refused
      // before SQS acted; any other transient failure (a timeout, a cut connection, a 5xx, this
      // request's deadline) may have come after SQS stored the messages.
      if (!isTransient(error) && !signal?.aborted) {
        throw new DependencyError(`SQS refused the messages: ${(error as Error).message}`, [], { cause: error });
      }
      if (!isThrottlingError(error as Parameters<typeof isThrottlingError>[0])) for (const t of sendable) t.maybe = true;
      return;
    }
    const senderFaults = (result.Failed ?? []).filter((failure) => failure.SenderFault);
    if (senderFaults.length > 0) {
      const first = senderFaults[0]!;
      throw new DependencyError(`SQS refused ${senderFaults.length} message(s) as malformed: ${first.Code}: ${first.Message}`);
    }
    const taken = new Set((result.Successful ?? []).map((success) => success.Id));
    const refused = new Set((result.Failed ?? []).map((failure) => failure.Id));
    sendable.forEach((t, i) => {
      if (taken.has(String(i))) t.enqueued = true;
      // Neither acknowledged nor refused: not known to be durable, and perhaps stored.
      else if (!refused.has(String(i))) t.maybe = true;
    });
  }
}

/** Consecutive items in SendMessageBatch calls: at most 10 messages and 256 KiB each. */
export function batchesOf<T>(items: T[], messageOf: (item: T) => PackedMessage): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(messageOf(item).body, 'utf8');
    if (current.length === maxEntries || (current.length > 0 && bytes + size > maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
