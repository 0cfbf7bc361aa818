import { BatchGetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';

import type { Context, SQSRecord } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { topicCounterKey, totalsKey } from '../../functions/adapters/items.ts';
import { packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { bucketOf } from '../../functions/domain/hash.ts';
import { documentView } from '../../scripts/lib/document-commands.ts';
import { makeEvent } from '../support/events.ts';
import { handlerUnderTest } from '../support/handler-env.ts';

// The shard settings as deployed reach the consumer: a handler that dropped one would quietly
// put every chunk back on fewer shards, and only DynamoDB's conflicts on AWS would show it.
beforeAll(() => {
  vi.stubEnv('COUNTER_SHARDS', '2');
  vi.stubEnv('TOTALS_SHARDS', '16384');
});
const { dynamo, handler } = handlerUnderTest(async () => (await import('../../functions/process/handler.ts')).handler);

beforeEach(() => {
  dynamo.on(BatchGetItemCommand).resolves({ Responses: {} });
  dynamo.on(TransactWriteItemsCommand).resolves({});
});

const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'process', awsRequestId: 'r' } as unknown as Context;

describe('the process handler', () => {
  it("puts each chunk's totals and counters on the shards COUNTER_SHARDS and TOTALS_SHARDS name", async () => {
    const records = Array.from({ length: 20 }, (_, i) => {
      const [message] = packEvents([eventSchema.parse(makeEvent({ topic: 't' }))], {
        requestId: `shards-${i}`,
        eventsPerMessage: 100,
        eventsPerTransaction: 95,
      });
      return { messageId: `m${i}`, receiptHandle: `h${i}`, body: message!.body, attributes: { ApproximateReceiveCount: '1' } };
    }) as unknown as SQSRecord[];
    const response = await handler()({ Records: records }, context);
    expect(response.batchItemFailures).toEqual([]);
    const sent = dynamo
      .commandCalls(TransactWriteItemsCommand)
      .map((call) => documentView('TransactWriteItemsCommand', call.args[0].input).input.TransactItems as Array<Record<string, any>>);
    expect(sent).toHaveLength(20);
    const totalsShards = new Set<number>();
    for (const [i, items] of sent.entries()) {
      const read = readMessage(records[i]!.body, records[i]!.messageId);
      if (!read.ok) throw new Error(read.reason);
      const chunkId = read.delivery.chunks[0]!.id;
      const keys = items.flatMap((item) => (item.Update ? [item.Update.Key] : []));
      expect(keys).toEqual([totalsKey(bucketOf(chunkId, 16384)), topicCounterKey('t', bucketOf(chunkId, 2))]);
      totalsShards.add(bucketOf(chunkId, 16384));
    }
    expect([...totalsShards].some((shard) => shard >= 4096)).toBe(true);
  });
});
