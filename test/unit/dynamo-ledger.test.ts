import { BatchGetItemCommand, DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import {
  afterTopicKey,
  countsOfItem,
  eventItemAttributes,
  lanesFor,
  timeKey,
  toEventItem,
  topicCounterKey,
  topicCounterRange,
  topicLanes,
  topicOfCounterItem,
  totalsKey,
} from '../../functions/adapters/items.ts';
import { buildWrite } from '../../functions/domain/consume.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { eventKey } from '../../functions/domain/identity.ts';
import { documentView } from '../../scripts/lib/document-commands.ts';
import { makeEvent } from '../support/events.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const ledger = new DynamoDbLedger(documentClient, { eventsTable: 'events', ledgerTable: 'ledger', retentionDays: 0 });
const events = [makeEvent({ topic: 't' }), makeEvent({ topic: 't' })].map((e) => eventSchema.parse(e));
const write = buildWrite({ id: 'd/0-1', events }, { counters: 3, totals: 3000 }, new Set());
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const sentInput = (call = 0) => dynamo.commandCalls(TransactWriteItemsCommand)[call]!.args[0].input;
/** The transaction's actions in plain values, as the document client would have sent them. */
const sentItems = (call = 0) =>
  documentView('TransactWriteItemsCommand', sentInput(call)).input.TransactItems as Array<Record<string, any>>;

beforeEach(() => dynamo.reset());

describe("DynamoDbLedger's pre-read", () => {
  it('asks for the markers and the distinct events in attribute format, and reads which are there from the answer', async () => {
    const marker = { pk: { S: 'chunk#d/0-1' }, sk: { S: 'marker' } };
    dynamo.on(BatchGetItemCommand).resolves({ Responses: { ledger: [{ pk: marker.pk }], events: [{ id: { S: eventKey(events[1]!) } }] } });
    const answer = await ledger.peek(['d/0-1', 'd/0-2'], [...events, events[1]!]);
    expect(answer).toEqual({ applied: ['d/0-1'], stored: [eventKey(events[1]!)] });
    const asked = dynamo.commandCalls(BatchGetItemCommand)[0]!.args[0].input.RequestItems!;
    expect(asked.ledger).toEqual({ Keys: [marker, { pk: { S: 'chunk#d/0-2' }, sk: { S: 'marker' } }], ProjectionExpression: 'pk' });
    expect(asked.events).toEqual({ Keys: events.map((e) => ({ id: { S: eventKey(e) } })), ProjectionExpression: 'id' });
  });
});

describe('DynamoDbLedger reading cancellation reasons', () => {
  it('a failed marker condition means the chunk was already applied', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'None'));
    expect(await ledger.commit(write)).toEqual({ kind: 'already-applied' });
  });

  it('failed event conditions name the stored events', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None', 'None'));
    expect(await ledger.commit(write)).toEqual({ kind: 'duplicates', keys: [eventKey(events[1]!)] });
  });

  it.each(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'])('%s is contention, to be retried', async (code) => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', code, 'None', 'None', 'None'));
    expect(await ledger.commit(write)).toEqual({ kind: 'contended' });
  });

  it('raises anything else: a thrown error is the SDK’s to retry, and it already has', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(ledger.commit(write)).rejects.toThrow(/slow down/);
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ValidationError', 'None', 'None', 'None'));
    await expect(ledger.commit(write)).rejects.toThrow(/ValidationError/);
  });
});

describe('DynamoDbLedger layout', () => {
  it('writes the marker with the outcomes, a conditional put per new event, the shard totals and one counter per topic', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    await ledger.commit(write);
    const items = sentItems();
    expect(items).toHaveLength(1 + 2 + 1 + 1);
    expect(items[0]!.Put).toMatchObject({
      TableName: 'ledger',
      Item: { pk: 'chunk#d/0-1', sk: 'marker', outcomes: 'ss' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(items[1]!.Put).toMatchObject({
      TableName: 'events',
      Item: { id: eventKey(events[0]!) },
      ConditionExpression: 'attribute_not_exists(id)',
    });
    expect(items[1]!.Put).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
    // On the wire: DynamoDB's attribute format, numbers as numbers.
    expect(sentInput().TransactItems![1]!.Put!.Item).toMatchObject({
      id: { S: eventKey(events[0]!) },
      time_lane: { N: expect.any(String) },
    });
    expect(items[3]!.Update).toMatchObject({
      Key: { pk: 'totals#8', sk: '3000' },
      UpdateExpression: 'ADD received :r, #u :u SET last_processed_at = :now',
      ExpressionAttributeValues: { ':r': 2, ':u': 2 },
    });
    expect(items[4]!.Update).toEqual({
      TableName: 'ledger',
      Key: topicCounterKey('t', 3),
      UpdateExpression: 'ADD received :r, #u :u',
      ExpressionAttributeNames: { '#u': 'unique' },
      ExpressionAttributeValues: { ':r': 2, ':u': 2 },
    });
  });

  it('counts an unreadable body in rejected on the totals shard it is given, once per fingerprint', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    await ledger.recordUnreadable('fp', 16383);
    const [marker, rejected] = sentItems();
    expect(marker!.Put).toMatchObject({ TableName: 'ledger', Item: { pk: 'unreadable#fp', sk: 'marker' } });
    expect(rejected!.Update).toMatchObject({
      TableName: 'ledger',
      Key: totalsKey(16383),
      UpdateExpression: expect.stringContaining('ADD rejected :one'),
    });
    expect(totalsKey(16383)).toEqual({ pk: 'totals#15', sk: '16383' });
  });

  it('reads duplicates as received minus unique, from counter items of either layout', () => {
    expect(countsOfItem({ received: 7, unique: 4 })).toEqual({ received: 7, unique: 4, duplicates: 3 });
    expect(countsOfItem({ received: 7, unique: 4, duplicates: 3, last_processed_at: '2026-11-29T00:00:00Z' })).toEqual({
      received: 7,
      unique: 4,
      duplicates: 3,
    });
    expect(countsOfItem({})).toEqual({ received: 0, unique: 0, duplicates: 0 });
  });

  it('lets DynamoDB TTL expire stored events after the retention, and keeps them forever without one', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const now = new Date('2026-11-22T10:00:00Z');
    const retaining = new DynamoDbLedger(documentClient, { eventsTable: 'events', ledgerTable: 'ledger', retentionDays: 3 }, () => now);
    await retaining.commit(write);
    const threeDaysLater = now.getTime() / 1000 + 3 * 86400;
    expect(sentItems(0)[1]!.Put!.Item).toMatchObject({ expires_at: threeDaysLater });
    expect(sentItems(0)[2]!.Put!.Item).toMatchObject({ expires_at: threeDaysLater });

    await new DynamoDbLedger(documentClient, { eventsTable: 'events', ledgerTable: 'ledger', retentionDays: 0 }, () => now).commit(write);
    expect(sentItems(1)[1]!.Put!.Item!.expires_at).toBeUndefined();
    // A marker always expires: it only has to outlive SQS's 14-day redelivery window.
    expect(sentItems(1)[0]!.Put!.Item!.expires_at).toBeGreaterThan(now.getTime() / 1000 + 14 * 86400);
  });

  it('costs the same counter writes whether the table holds ten topics or a million: one item per topic of the chunk', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const mixed = [...'abcdefgh'].map((topic) => eventSchema.parse(makeEvent({ topic })));
    await ledger.commit(buildWrite({ id: 'm/0-7', events: mixed }, { counters: 0, totals: 0 }, new Set()));
    const updates = sentItems().filter((item) => item.Update);
    expect(updates).toHaveLength(1 + 8);
    // Every update names the same few attributes, so each item stays one write unit however many topics exist.
    for (const update of updates.slice(1)) expect(Object.keys(update.Update!.ExpressionAttributeValues!)).toEqual([':r', ':u']);
  });
});

describe('items', () => {
  it('writes every field of an event item in attribute format, each with its type, and reads back the same item', () => {
    const item = toEventItem(events[0]!, {
      chunkId: 'd/0-1',
      storedAt: '2026-12-05T00:00:00.000Z',
      topicLane: 3,
      timeLane: 7,
      expiresAt: 1_800_000_000,
    });
    const attributes = eventItemAttributes(item);
    expect(Object.keys(attributes).sort()).toEqual(Object.keys(item).sort());
    expect(unmarshall(attributes)).toEqual(item);
    const forever = toEventItem(events[0]!, { chunkId: 'd/0-1', storedAt: '2026-12-05T00:00:00.000Z', topicLane: 3, timeLane: 7 });
    expect(eventItemAttributes(forever)).not.toHaveProperty('expires_at');
    // What the document client refused, so does this: a number that cannot travel exactly.
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, 1.5])
      expect(() => eventItemAttributes({ ...item, bytes: bad })).toThrow(RangeError);
  });

  it("spreads a topic's counter shards over eight partition keys, each shard its own item, sorted with the topic's other shards", () => {
    for (const topic of ['a', 'a#1', 'x|y#z', 'ünï cödé 🚀', 'a\u00a0b']) {
      const keys = [0, 1, 7, 8, 1023].map((shard) => topicCounterKey(topic, shard));
      expect(new Set(keys.map((key) => key.pk)).size).toBe(3);
      expect(new Set(keys.map((key) => key.sk)).size).toBe(5);
      const range = topicCounterRange(topic);
      for (const key of keys) {
        expect(topicOfCounterItem(key.sk)).toBe(topic);
        expect(Buffer.compare(Buffer.from(key.sk), Buffer.from(range.from))).toBeGreaterThan(0);
        // The earlier layout's item, whose sort key is the bare name, is in the range too.
        expect(range.from).toBe(topic);
        expect(topicOfCounterItem(topic)).toBe(topic);
        expect(Buffer.compare(Buffer.from(key.sk), Buffer.from(range.to))).toBeLessThan(0);
      }
      // Another topic that starts with this one's name sorts after all of its items.
      const longer = topicCounterKey(`${topic} `, 0).sk;
      expect(Buffer.compare(Buffer.from(longer), Buffer.from(afterTopicKey(topic)))).toBeGreaterThan(0);
    }
    expect(totalsKey(1023)).toEqual({ pk: 'totals#15', sk: '1023' });
  });

  it('keeps a time key short and ordered to the nanosecond whatever the names and digits', () => {
    const longest = { topic: '\uffff'.repeat(256), event_id: '\uffff'.repeat(256) };
    const keys = [
      '2026-11-22T10:00:00Z',
      '2026-11-22T10:00:00.000000001Z',
      '2026-11-22T10:00:00.001Z',
      '2026-11-22T10:00:00.0010001Z',
      '2026-11-22T10:00:00.1Z',
    ].map((timestamp) => timeKey({ ...longest, timestamp }));
    for (const key of keys) expect(key).toHaveLength(53);
    expect([...keys].sort()).toEqual(keys);
  });

  it('keeps every key of an event with the longest names within DynamoDB’s limits (2,048 bytes per partition key, 1,024 per sort key)', () => {
    const widest = ['"'.repeat(256), '\uffff'.repeat(256), '𝄞'.repeat(128), '界'.repeat(256), '\u2028x'.repeat(128)];
    for (const topic of widest) {
      for (const event_id of widest) {
        const event = eventSchema.parse(makeEvent({ topic, event_id }));
        const item = toEventItem(event, { chunkId: `${'f'.repeat(36)}/4999-4999`, storedAt: '', topicLane: 31, timeLane: 31 });
        expect(Buffer.byteLength(item.id)).toBeLessThanOrEqual(2048);
        expect(Buffer.byteLength(item.topic_lane)).toBeLessThanOrEqual(2048);
        expect(Buffer.byteLength(item.ts_key)).toBeLessThanOrEqual(1024);
        expect(Buffer.byteLength(topicCounterKey(topic, 4095).sk)).toBeLessThanOrEqual(1024);
      }
    }
  });

  it('spreads a hot topic’s events over every lane evenly within a chunk', () => {
    const hot = Array.from({ length: 95 }, () => eventSchema.parse(makeEvent({ topic: 'app.error' })));
    const perLane = new Map<number, number>();
    for (const { topicLane } of lanesFor('req/0-94', hot)) perLane.set(topicLane, (perLane.get(topicLane) ?? 0) + 1);
    expect(perLane.size).toBe(topicLanes);
    expect(Math.max(...perLane.values()) - Math.min(...perLane.values())).toBeLessThanOrEqual(1);
  });
});
