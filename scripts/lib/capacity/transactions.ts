import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { contendedRetry, type Shards } from '../../../functions/domain/consume.ts';
import { documentView } from '../document-commands.ts';
import type { ConflictModelResult } from './conflict-model.ts';

export { contendedRetry };

const contendedRetryAttempts = contendedRetry.attempts;

// biome-ignore lint/suspicious/noExplicitAny: a DynamoDB command's input, read by shape
type Input = Record<string, any>;

/** A client that appends the item keys of each transaction it commits to `sink`, in order: what the conflict model replays. */
export function transactionsInto(client: DynamoDBDocumentClient, sink: string[][], preReadBefore: boolean[] = []): DynamoDBDocumentClient {
  let readSinceLast = false;
  const send = async (command: { constructor: { name: string }; input: Input }, options?: unknown) => {
    const output = await (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
    const { name, input } = documentView(command.constructor.name, command.input);
    if (name === 'BatchGetCommand') readSinceLast = true;
    if (name === 'TransactWriteCommand') {
      preReadBefore.push(readSinceLast);
      readSinceLast = false;
      sink.push(
        (input.TransactItems as Input[]).map((action) => {
          const write = action.Put ?? action.Update ?? action.ConditionCheck ?? action.Delete;
          const key = action.Put ? { pk: write.Item.pk, sk: write.Item.sk, id: write.Item.id } : write.Key;
          return `${String(write.TableName).replace(/-capacity-.*$/, '')} ${JSON.stringify(key)}`;
        }),
      );
    }
    return output;
  };
  return new Proxy(client, { get: (target, property, receiver) => (property === 'send' ? send : Reflect.get(target, property, receiver)) });
}

/** Which of the layout's items (functions/adapters/items.ts) a key is. */
export function itemClassOf(key: string): string {
  if (key.includes('"pk":"totals#')) return 'totals';
  if (key.includes('"pk":"topics#')) return 'topic counter';
  if (key.includes('"pk":"chunk#')) return 'chunk marker';
  if (key.includes('"id":')) return 'event';
  return 'other';
}

export function conflictLines(
  result: ConflictModelResult,
  options: { consumers: number; 'txn-median-ms': number; 'txn-sigma': number; rate: number },
  shards: Shards,
): string[] {
  const pct = (share: number) => `${(share * 100).toFixed(2)} %`;
  return [
    `transaction conflicts on AWS (DynamoDB's rule replayed on the real transactions; ${options.consumers} consumers, ${shards.counters} counter shards, ${shards.totals} totals shards, latency median ${options['txn-median-ms']} ms, sigma ${options['txn-sigma']}):`,
    `  ${result.transactions.toLocaleString('en')} transactions in ${result.messages.toLocaleString('en')} messages, ${result.attempts.toLocaleString('en')} attempts; cancelled by conflicts ${result.cancelled.toLocaleString('en')} (${pct(result.cancelledShare)} of attempts); retries per transaction ${result.retriesPerTransaction.toFixed(3)}`,
    `  transactions that exhausted their ${contendedRetryAttempts} attempts ${result.exhausted}; messages received again ${result.redeliveries}; messages to the DLQ ${result.deadLettered}`,
    `  consumers busy on average ${result.busyConsumers.toFixed(1)}; simulated span ${(result.spanMs / 1000).toFixed(1)} s`,
    ...Object.entries(result.conflictsByClass).map(
      ([kind, n]) =>
        `  conflicts on ${kind} items: ${n.toLocaleString('en')} (hottest ${result.hottestByClass[kind]?.key.slice(0, 70)}: ${result.hottestByClass[kind]?.conflicts})`,
    ),
  ];
}
