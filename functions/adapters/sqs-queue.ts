import { SendMessageBatchCommand, type SendMessageBatchCommandOutput, type SQSClient } from '@aws-sdk/client-sqs';
import type { PackedMessage } from '../domain/envelope.ts';
import { DependencyError } from '../domain/errors.ts';
import type { EventQueue, SendResult } from '../domain/ingest.ts';
import { withRetries } from '../shared/retry.ts';
import { isTransient } from './aws-errors.ts';

/** SendMessageBatch takes at most 10 entries and 262,144 bytes in all. */
const maxEntries = 10;
const maxBatchBytes = 256 * 1024;

export interface SendOptions {
  /** Attempts per batch for entries SQS refused (default 4). */
  attempts?: number;
  /** Fault injection (local stage only): entries for which this returns true are refused as SQS would refuse them. */
  refuse?: (message: PackedMessage) => boolean;
}

class RefusedEntriesError extends Error {
  override readonly name = 'RefusedEntriesError';
  readonly pending: PackedMessage[];

  constructor(pending: PackedMessage[], detail: string, options?: ErrorOptions) {
    super(`SQS did not take ${pending.length} message(s): ${detail}`, options);
    this.pending = pending;
  }
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
   * Sends every message, re-sending only what SQS refused for a passing reason. Refusals that will
   * not pass (access denied, a missing queue, a malformed entry) throw DependencyError at once.
   */
  async sendAll(messages: PackedMessage[], signal?: AbortSignal): Promise<SendResult> {
    const results = await Promise.all(batchesOf(messages).map((batch) => this.sendBatch(batch, signal)));
    const failed = results.flatMap((result) => result.failedIds);
    return { failedIds: failed, cause: results.find((result) => result.cause)?.cause };
  }

  private async sendBatch(batch: PackedMessage[], signal?: AbortSignal): Promise<SendResult> {
    let pending = batch;
    try {
      await withRetries(
        async () => {
          pending = await this.trySend(pending, signal);
          if (pending.length > 0) throw new RefusedEntriesError(pending, 'refused for a passing reason');
        },
        { attempts: this.options.attempts ?? 4, retryable: (error) => error instanceof RefusedEntriesError, minDelayMs: 50, signal },
      );
      return { failedIds: [] };
    } catch (error) {
      if (error instanceof RefusedEntriesError) return { failedIds: error.pending.map((m) => m.id), cause: error };
      if (isTransient(error) || signal?.aborted) return { failedIds: pending.map((m) => m.id), cause: error };
      throw new DependencyError(`SQS refused the messages: ${(error as Error).message}`, [], { cause: error });
    }
  }

  /** One SendMessageBatch; returns the messages still to send. */
  private async trySend(batch: PackedMessage[], signal?: AbortSignal): Promise<PackedMessage[]> {
    const refused = batch.filter((message) => this.options.refuse?.(message));
    const sendable = batch.filter((message) => !refused.includes(message));
    if (sendable.length === 0) return refused;
    // Entry ids must be short and [A-Za-z0-9_-]: use positions, map back to messages.
    const entries = sendable.map((message, i) => ({ Id: String(i), MessageBody: message.body }));
    let result: SendMessageBatchCommandOutput;
    try {
      result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }), { abortSignal: signal });
    } catch (error) {
      // The SDK has already retried what it classifies as transient; a transient error here leaves
      // the batch to this loop, anything else is thrown as it is.
      if (isTransient(error)) throw new RefusedEntriesError(batch, (error as Error).name, { cause: error });
      throw error;
    }
    const senderFaults = (result.Failed ?? []).filter((failure) => failure.SenderFault);
    if (senderFaults.length > 0) {
      const first = senderFaults[0]!;
      throw new DependencyError(`SQS refused ${senderFaults.length} message(s) as malformed: ${first.Code}: ${first.Message}`);
    }
    const acknowledged = new Set((result.Successful ?? []).map((success) => success.Id));
    // An entry SQS neither acknowledged nor refused is not known to be durable: send it again.
    return [...refused, ...sendable.filter((_, i) => !acknowledged.has(String(i)))];
  }
}

export function batchesOf(messages: PackedMessage[]): PackedMessage[][] {
  const batches: PackedMessage[][] = [];
  let current: PackedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body, 'utf8');
    if (current.length === maxEntries || (current.length > 0 && bytes + size > maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
