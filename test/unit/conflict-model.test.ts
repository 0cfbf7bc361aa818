import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { simulateConflicts } from '../../scripts/lib/capacity/conflict-model.ts';
import { transactionsInto } from '../../scripts/lib/capacity/transactions.ts';

const base = {
  consumers: 2,
  latency: { medianMs: 20, sigma: 0 },
  peek: { medianMs: 0.001, sigma: 0 },
  retry: { attempts: 3, minDelayMs: 20, maxDelayMs: 500 },
  visibilityTimeoutMs: 60_000,
  maxReceives: 2,
  seed: 1,
  classOf: (key: string) => key.split('#')[0]!,
};

describe('the transaction conflict model (DynamoDB’s rule on a timeline)', () => {
  it('cancels a transaction that touches an item one in progress holds, and the retry commits', () => {
    const result = simulateConflicts({
      ...base,
      messages: [
        { arrivalMs: 0, transactions: [['totals#1', 'event#a']] },
        { arrivalMs: 5, transactions: [['totals#1', 'event#b']] },
      ],
    });
    expect(result).toMatchObject({ transactions: 2, attempts: 3, cancelled: 1, exhausted: 0, deadLettered: 0 });
    expect(result.conflictsByClass).toEqual({ totals: 1 });
  });

  it('lets transactions on different items, or one after the other, run without conflict', () => {
    const apart = simulateConflicts({
      ...base,
      messages: [
        { arrivalMs: 0, transactions: [['totals#1']] },
        { arrivalMs: 5, transactions: [['totals#2']] },
        { arrivalMs: 50, transactions: [['totals#1']] },
      ],
    });
    expect(apart).toMatchObject({ attempts: 3, cancelled: 0 });
  });

  it('waits for a pre-read only before the transactions the consumer read for', () => {
    const message = { arrivalMs: 0, transactions: [['totals#1'], ['totals#2'], ['totals#3']] };
    const read = { ...base, consumers: 1, peek: { medianMs: 5, sigma: 0 } };
    // 20 ms per transaction, 5 ms per read.
    expect(simulateConflicts({ ...read, messages: [message] }).spanMs).toBe(3 * 25);
    expect(simulateConflicts({ ...read, messages: [{ ...message, preReadBefore: [true, false, true] }] }).spanMs).toBe(3 * 20 + 2 * 5);
  });

  it('retries a cancelled commit without reading again', () => {
    const result = simulateConflicts({
      ...base,
      peek: { medianMs: 5, sigma: 0 },
      retry: { attempts: 3, minDelayMs: 0, maxDelayMs: 0 },
      messages: [
        { arrivalMs: 0, transactions: [['totals#1']] },
        { arrivalMs: 0, transactions: [['totals#1']] },
      ],
    });
    // Both read until 5; one commits until 25; the other is refused at 5 (answered at 15) and at 15
    // (answered at 25), and commits at 25 until 45. A read before each retry would end at 55.
    expect(result).toMatchObject({ attempts: 4, cancelled: 2, exhausted: 0 });
    expect(result.spanMs).toBe(45);
  });

  it('fails a message whose transaction exhausts its attempts, receives it again after the visibility timeout, and dead-letters it after the last receive', () => {
    // One consumer holds the item with a long chain of transactions while the other keeps retrying.
    const hog = Array.from({ length: 200 }, () => ['totals#1']);
    const result = simulateConflicts({
      ...base,
      visibilityTimeoutMs: 50,
      messages: [
        { arrivalMs: 0, transactions: hog },
        { arrivalMs: 1, transactions: [['totals#1']] },
      ],
    });
    expect(result.exhausted).toBeGreaterThan(0);
    expect(result.redeliveries + result.deadLettered).toBeGreaterThan(0);
  });
});

describe("the capacity replay's record of what the consumer sent", () => {
  it('marks the transactions a pre-read came before', async () => {
    const client = { send: async () => ({}) } as unknown as DynamoDBDocumentClient;
    const transactions: string[][] = [];
    const preReadBefore: boolean[] = [];
    const recorded = transactionsInto(client, transactions, preReadBefore);
    const transaction = () =>
      new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'ledger', Item: { pk: { S: 'a' }, sk: { S: 'b' } } } }] });
    await recorded.send(new BatchGetCommand({ RequestItems: { ledger: { Keys: [{ pk: 'a', sk: 'b' }] } } }));
    await recorded.send(transaction());
    await recorded.send(transaction());
    await recorded.send(new BatchGetCommand({ RequestItems: { ledger: { Keys: [{ pk: 'a', sk: 'b' }] } } }));
    await recorded.send(transaction());
    expect(preReadBefore).toEqual([true, false, true]);
    expect(transactions).toEqual(Array(3).fill(['ledger {"pk":"a","sk":"b"}']));
  });
});
