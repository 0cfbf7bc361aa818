import type { CallFaults, Latency } from './faults.ts';
import { faultError } from './faults.ts';

/**
 * An SQS standard queue behind the SQS client's `send`, for the simulator, with its at-least-once
 * delivery: messages come back in any order, again after their visibility timeout, now and then
 * to two consumers at once, and to the DLQ after `maxReceiveCount` receives. It applies SQS's rules
 * on what it takes: at most 10 entries and 256 KiB a batch, and only the characters SQS allows.
 */
export interface QueuedMessage {
  id: string;
  body: string;
  receiveCount: number;
  visibleAt: number;
}

const allowed = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

// biome-ignore lint/suspicious/noExplicitAny: a command's input, read loosely (see fake-dynamo.ts)
type Command = { constructor: { name: string }; input: Record<string, any> };

export class FakeSqs {
  readonly messages: QueuedMessage[] = [];
  readonly deadLetters: QueuedMessage[] = [];
  private nextId = 0;
  readonly stats = { sent: 0, refused: 0, received: 0, redelivered: 0, doubled: 0, deadLettered: 0 };

  private readonly faults: CallFaults;
  private readonly latency: Latency;
  private readonly random: () => number;
  private readonly options: { maxReceiveCount: number; refuseRate: number; doubleDeliveryRate: number };

  constructor(
    faults: CallFaults,
    latency: Latency,
    random: () => number,
    options: { maxReceiveCount: number; refuseRate: number; doubleDeliveryRate: number },
  ) {
    this.faults = faults;
    this.latency = latency;
    this.random = random;
    this.options = options;
  }

  async send(command: Command, request?: { abortSignal?: AbortSignal }): Promise<unknown> {
    const name = command.constructor.name;
    const fault = this.faults({ service: 'sqs', operation: name });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.latency(name) + (fault?.kind === 'slow' ? fault.ms : 0));
      request?.abortSignal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      });
    });
    if (fault && (fault.kind === 'fail-before' || fault.kind === 'throttle' || fault.kind === 'timeout-before')) throw faultError(fault);
    const result = this.act(name, command.input);
    if (fault && (fault.kind === 'fail-after' || fault.kind === 'timeout-after')) throw faultError(fault);
    return result;
  }

  private act(name: string, input: Command['input']): unknown {
    if (name === 'GetQueueAttributesCommand') {
      const now = Date.now();
      const queue = String(input.QueueUrl).endsWith('dlq') ? this.deadLetters : this.messages;
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(queue.filter((m) => m.visibleAt <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(queue.filter((m) => m.visibleAt > now).length),
        },
      };
    }
    if (name !== 'SendMessageBatchCommand') throw new Error(`simulated SQS has no ${name}`);
    const entries: Array<{ Id: string; MessageBody: string }> = input.Entries;
    if (entries.length > 10)
      throw Object.assign(new Error('TooManyEntriesInBatchRequest'), { name: 'TooManyEntriesInBatchRequest', $fault: 'client' });
    if (entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody), 0) > 256 * 1024)
      throw Object.assign(new Error('BatchRequestTooLong'), {
        name: 'BatchRequestTooLong',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    const Successful: Array<{ Id: string; MessageId: string }> = [];
    const Failed: Array<{ Id: string; Code: string; SenderFault: boolean; Message?: string }> = [];
    for (const entry of entries) {
      if (!allowed.test(entry.MessageBody) || Buffer.byteLength(entry.MessageBody) > 256 * 1024) {
        Failed.push({
          Id: entry.Id,
          Code: 'InvalidMessageContents',
          SenderFault: true,
          Message: 'Invalid characters found, or the message is too long',
        });
      } else if (this.random() < this.options.refuseRate) {
        this.stats.refused++;
        Failed.push({ Id: entry.Id, Code: 'ServiceUnavailable', SenderFault: false });
      } else {
        const id = `m${this.nextId++}`;
        this.messages.push({ id, body: entry.MessageBody, receiveCount: 0, visibleAt: Date.now() });
        this.stats.sent++;
        Successful.push({ Id: entry.Id, MessageId: id });
      }
    }
    return { Successful, Failed };
  }

  /** What a poller receives: up to `max` visible messages in any order, each hidden for `visibilityMs`; now and then one still in flight too. */
  receive(max: number, visibilityMs: number): QueuedMessage[] {
    const now = Date.now();
    for (const message of this.messages.filter((m) => m.receiveCount >= this.options.maxReceiveCount && m.visibleAt <= now)) {
      this.messages.splice(this.messages.indexOf(message), 1);
      this.deadLetters.push(message);
      this.stats.deadLettered++;
    }
    const visible = this.messages.filter((m) => m.visibleAt <= now);
    const picked: QueuedMessage[] = [];
    while (picked.length < max && visible.length > 0) picked.push(visible.splice(Math.floor(this.random() * visible.length), 1)[0]!);
    const inFlight = this.messages.filter((m) => m.visibleAt > now);
    if (inFlight.length > 0 && picked.length < max && this.random() < this.options.doubleDeliveryRate) {
      picked.push(inFlight[Math.floor(this.random() * inFlight.length)]!);
      this.stats.doubled++;
    }
    for (const message of picked) {
      if (message.receiveCount > 0) this.stats.redelivered++;
      message.receiveCount++;
      message.visibleAt = now + visibilityMs;
      this.stats.received++;
    }
    return picked.map((m) => ({ ...m }));
  }

  delete(id: string): void {
    const at = this.messages.findIndex((m) => m.id === id);
    if (at >= 0) this.messages.splice(at, 1);
  }

  /** Makes a received message visible again at once (the consumer's release of what it had no time for). */
  release(id: string): void {
    const message = this.messages.find((m) => m.id === id);
    if (message) message.visibleAt = Date.now();
  }

  /** An operator's redrive once the cause is fixed: every DLQ message back in the queue. */
  redrive(): number {
    const moved = this.deadLetters.splice(0);
    for (const message of moved) this.messages.push({ ...message, receiveCount: 0, visibleAt: Date.now() });
    return moved.length;
  }

  get pending(): number {
    return this.messages.length;
  }
}
