import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { consumeMessage } from '../../functions/domain/consume.ts';
import { packEvents } from '../../functions/domain/envelope.ts';
import type { LogEvent } from '../../functions/domain/event.ts';
import { KeyRecorder, type TableSchema } from '../../scripts/lib/capacity/key-recorder.ts';
import { PartitionModel, partitionLimits, readUnits, writeUnits } from '../../scripts/lib/capacity/partition-model.ts';
import { buildWorkload } from '../../scripts/lib/workload.ts';

// The deployed layout, as scripts/lib/capacity/scratch-tables.ts reads it from DescribeTable.
const events: TableSchema = {
  name: 'events',
  hashKey: 'id',
  indexes: [
    { name: 'by-topic', hashKey: 'topic_lane', rangeKey: 'ts_key', projection: 'INCLUDE', nonKeyAttributes: ['source', 'bytes'] },
    { name: 'by-time', hashKey: 'time_lane', rangeKey: 'ts_key', projection: 'INCLUDE', nonKeyAttributes: ['source', 'bytes'] },
  ],
};
const ledger: TableSchema = { name: 'ledger', hashKey: 'pk', rangeKey: 'sk', indexes: [] };

describe('partition model', () => {
  it('bills writes per started KB, doubled in a transaction, and reads per started 4 KB', () => {
    expect(writeUnits(1, false)).toBe(1);
    expect(writeUnits(1025, true)).toBe(4);
    expect(readUnits(0, 'eventual')).toBe(0.5);
    expect(readUnits(4097, 'strong')).toBe(2);
  });

  it("reports each key's busiest second, not its average", () => {
    const model = new PartitionModel();
    for (const second of [0, 1, 2, 3]) model.record({ space: 't', key: 'pk=a', kind: 'write', units: 100, second });
    model.record({ space: 't', key: 'pk=b', kind: 'write', units: 300, second: 2 });
    model.record({ space: 't', key: 'pk=b', kind: 'write', units: 300, second: 2 });
    const hottest = model.hottest('write')!;
    expect(hottest).toMatchObject({ key: 'pk=b', peakPerSecond: 600, meanPerSecond: 150 });
    expect(model.summary()[0]).toMatchObject({ space: 't', keys: 2, totalUnits: 1000 });
  });
});

describe('key recorder', () => {
  const recorder = () => new KeyRecorder([events, ledger]);
  const item = { id: '["a","1"]', topic_lane: 'a#3', time_lane: 7, ts_key: 't#h', source: 's', bytes: 5000, payload: 'x'.repeat(5000) };

  it("charges a transactional put on the item's key and one standard write on each index key it projects into", () => {
    const accesses = recorder().observe('TransactWriteCommand', { TransactItems: [{ Put: { TableName: 'events', Item: item } }] }, {});
    expect(accesses).toEqual([
      { space: 'events', key: 'id=["a","1"]', kind: 'write', units: 2 * 5 },
      { space: 'events/by-topic', key: 'topic_lane=a#3', kind: 'write', units: 1 },
      { space: 'events/by-time', key: 'time_lane=7', kind: 'write', units: 1 },
    ]);
  });

  it('sizes a read by the whole stored item, and a query by the index entries it read', () => {
    const keys = recorder();
    keys.observe('TransactWriteCommand', { TransactItems: [{ Put: { TableName: 'events', Item: item } }] }, {});
    expect(
      keys.observe('BatchGetCommand', { RequestItems: { events: { Keys: [{ id: item.id }], ProjectionExpression: 'id' } } }, {}),
    ).toEqual([{ space: 'events', key: 'id=["a","1"]', kind: 'read', units: 1 }]);
    const query = {
      TableName: 'events',
      IndexName: 'by-topic',
      KeyConditionExpression: '#lane = :lane AND ts_key BETWEEN :lower AND :upper',
      ExpressionAttributeNames: { '#lane': 'topic_lane' },
      ExpressionAttributeValues: { ':lane': 'a#3', ':lower': '', ':upper': '~' },
    };
    expect(keys.observe('QueryCommand', query, { Items: [{ id: item.id, ts_key: item.ts_key, bytes: item.bytes }] })).toEqual([
      { space: 'events/by-topic', key: 'topic_lane=a#3', kind: 'read', units: 0.5 },
    ]);
  });
});

describe("the real consumer's key stream at 20,000 events/s", () => {
  // A table that stores nothing: every peek misses, every transaction commits (duplicates included, so the figures only overstate).
  const table = { send: async () => ({}) } as unknown as DynamoDBDocumentClient;

  async function replay(topics: number): Promise<PartitionModel> {
    const rate = 20_000;
    const workload = buildWorkload({ events: rate, duplicateRatio: 0.3, topics, batchSize: 100, payloadBytes: 200, seed: 1, runId: 'hot' });
    const keys = new KeyRecorder([events, ledger]);
    const model = new PartitionModel();
    let arrived = 0;
    for (const request of workload.requests) {
      for (const message of packEvents(request as LogEvent[], {
        requestId: randomUUID(),
        eventsPerMessage: 100,
        eventsPerTransaction: 95,
      })) {
        const client = keys.clientAt(table, model, Math.floor(arrived / rate));
        await consumeMessage(
          message.body,
          randomUUID(),
          new DynamoDbLedger(client, { eventsTable: 'events', ledgerTable: 'ledger', retentionDays: 0 }),
          {
            counterShards: 8,
            totalsShards: 32,
          },
        );
      }
      arrived += request.length;
    }
    return model;
  }

  it('on one hot topic, spreads its index entries over 32 keys and keeps every key under AWS limits', async () => {
    const model = await replay(1);
    const spaces = Object.fromEntries(model.summary().map((space) => [space.space, space]));
    expect(spaces['events/by-topic']!.keys).toBe(32);
    expect(model.hottest('write')!.peakPerSecond).toBeLessThanOrEqual(partitionLimits.write);
  });

  it.each([100, 1000])('over %i topics, keeps every counter key under AWS limits', async (topics) => {
    const model = await replay(topics);
    expect(model.hottest('write')!.peakPerSecond).toBeLessThanOrEqual(partitionLimits.write);
  });
});
