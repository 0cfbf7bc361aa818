import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PackedMessage } from '../domain/envelope.ts';
import type { EventQueue } from '../domain/ingest.ts';

/** SendMessageBatch takes at most 10 entries and 262,144 bytes in all. */
const maxEntries = 10;
const maxBatchBytes = 256 * 1024;

export interface SendOptions {
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Fault injection (local stage only): entries for which this returns true are refused as SQS would refuse them. */
  refuse?: (message: PackedMessage) => boolean;
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

  async sendAll(messages: PackedMessage[]): Promise<{ failedIds: string[] }> {
    const results = await Promise.all(batchesOf(messages).map((batch) => this.sendBatch(batch)));
    return { failedIds: results.flat() };
  }

  /** Sends one batch, re-sending only the entries SQS refused, with backoff; returns the ids still refused. */
  private async sendBatch(batch: PackedMessage[]): Promise<string[]> {
    const attempts = this.options.attempts ?? 4;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let pending = batch;
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(50 * 2 ** attempt * (0.5 + Math.random()));
      pending = await this.trySend(pending);
    }
    return pending.map((message) => message.id);
  }

  private async trySend(batch: PackedMessage[]): Promise<PackedMessage[]> {
    const refused = batch.filter((message) => this.options.refuse?.(message));
    const sendable = batch.filter((message) => !refused.includes(message));
    if (sendable.length === 0) return refused;
    return [...refused, ...(await this.sendEntries(sendable))];
  }

  private async sendEntries(batch: PackedMessage[]): Promise<PackedMessage[]> {
    // Entry ids must be short and [A-Za-z0-9_-]: use positions, map back to messages.
    const entries = batch.map((message, i) => ({ Id: String(i), MessageBody: message.body }));
    try {
      const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      const refused = new Set((result.Failed ?? []).map((failure) => failure.Id));
      const acknowledged = new Set((result.Successful ?? []).map((success) => success.Id));
      // An entry SQS neither acknowledged nor refused is not known to be durable: send it again.
      return batch.filter((_, i) => refused.has(String(i)) || !acknowledged.has(String(i)));
    } catch {
      return batch;
    }
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
