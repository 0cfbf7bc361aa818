import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { countersOfItem } from '../../functions/adapters/items.ts';
import { buildWrite } from '../../functions/domain/consume.ts';
import { eventKey, eventSchema } from '../../functions/domain/event.ts';
import { makeEvent } from '../support/events.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const ledger = new DynamoDbLedger(documentClient, { eventsTable: 'events', ledgerTable: 'ledger', retentionDays: 0 });
const events = [makeEvent({ topic: 't' }), makeEvent({ topic: 't' })].map((e) => eventSchema.parse(e));
const write = buildWrite({ markerId: 'd#0', deliveryId: 'd', events }, 0, new Set());
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

beforeEach(() => dynamo.reset());

describe('DynamoDbLedger reading cancellation reasons', () => {
  it('a failed marker condition means the chunk was already applied', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None'));
    expect(await ledger.commitChunk(write)).toEqual({ kind: 'already-applied' });
  });

  it('failed event conditions name the stored events', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None'));
    expect(await ledger.commitChunk(write)).toEqual({ kind: 'duplicates', keys: [eventKey(events[1]!)] });
  });

  it.each(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'])('%s is contention, to be retried', async (code) => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', code, 'None', 'None'));
    expect(await ledger.commitChunk(write)).toEqual({ kind: 'contended' });
  });

  it('a thrown throttling error is contention too; anything else is raised', async () => {
    dynamo.on(TransactWriteCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    expect(await ledger.commitChunk(write)).toEqual({ kind: 'contended' });
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ValidationError', 'None', 'None'));
    await expect(ledger.commitChunk(write)).rejects.toThrow(/ValidationError/);
  });

  it('sends the marker first, a conditional put per event and one counter update per topic', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    await ledger.commitChunk(write);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(1 + 2 + 1);
    expect(items[0]!.Put).toMatchObject({ TableName: 'ledger', ConditionExpression: 'attribute_not_exists(pk)' });
    expect(items[1]!.Put).toMatchObject({
      TableName: 'events',
      ConditionExpression: 'attribute_not_exists(event_id)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(items[3]!.Update).toMatchObject({
      TableName: 'ledger',
      Key: { pk: 'counters#0', sk: 'group#0' },
      ExpressionAttributeNames: { '#r0': 'received|t', '#u0': 'unique|t', '#d0': 'duplicates|t' },
      ExpressionAttributeValues: { ':r0': 2, ':u0': 2, ':d0': 0 },
    });
  });

  it('puts every topic of a transaction in one counter update by default, and spreads them over groups when asked', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const mixed = [...'abcdefgh'].map((topic) => eventSchema.parse(makeEvent({ topic })));
    const many = buildWrite({ markerId: 'm#0', deliveryId: 'm', events: mixed }, 0, new Set());
    await ledger.commitChunk(many);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.filter((i) => i.Update)).toHaveLength(1);
    const grouped = new DynamoDbLedger(documentClient, { eventsTable: 'events', ledgerTable: 'ledger', retentionDays: 0, topicGroups: 4 });
    await grouped.commitChunk(many);
    const updates = dynamo.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!.filter((i) => i.Update);
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.length).toBeLessThanOrEqual(4);
  });
});

describe('countersOfItem', () => {
  it('reads every topic of a counter item, topics with bars and hashes included', () => {
    const item = {
      pk: 'counters#1',
      sk: 'group#0',
      'received|a': 3,
      'unique|a': 2,
      'duplicates|a': 1,
      'received|x|y#z': 1,
      'unique|x|y#z': 1,
      last_processed_at: 't',
    };
    expect(countersOfItem(item)).toEqual(
      new Map([
        ['a', { received: 3, unique: 2, duplicates: 1 }],
        ['x|y#z', { received: 1, unique: 1, duplicates: 0 }],
      ]),
    );
  });
});
