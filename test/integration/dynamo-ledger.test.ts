import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { DynamoDbReads } from '../../functions/adapters/dynamo-reads.ts';
import { buildWrite, consumeMessage } from '../../functions/domain/consume.ts';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventKey, eventSchema } from '../../functions/domain/event.ts';
import { stack } from '../support/api.ts';
import { dynamo } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const ledger = new DynamoDbLedger(dynamo, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, retentionDays: 0 });
const reads = new DynamoDbReads(dynamo, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, counterShards: 8 });
const options = { counterShards: 8, defaultTransactionSize: 97 };

const chunkOf = (events: ReturnType<typeof makeEvent>[], deliveryId: string) => ({
  markerId: `${deliveryId}#0`,
  deliveryId,
  events: events.map((e) => eventSchema.parse(e)),
});

async function topicCounters(topic: string) {
  const rows = (await reads.readCounters()).filter((row) => row.topic === topic);
  return rows.reduce(
    (sum, row) => ({
      received: sum.received + row.received,
      unique: sum.unique + row.uniqueProcessed,
      duplicates: sum.duplicates + row.duplicateDropped,
    }),
    { received: 0, unique: 0, duplicates: 0 },
  );
}

describe('DynamoDbLedger against the emulator', () => {
  it('commits events, counters and marker together, and recognises the marker on a second commit', async () => {
    const topic = uniqueTopic('ledger');
    // biome-ignore lint/correctness/noPrecisionLoss: the test is about a number beyond 2^53 surviving as JSON would keep it
    const event = makeEvent({ topic, payload: { big: 12345678901234567890, nested: { list: [1, 'two', null] } } });
    const write = buildWrite(chunkOf([event, event], `it-${topic}`), 3, new Set());
    expect(await ledger.commitChunk(write)).toMatchObject({ kind: 'committed', cost: { rule: 2 + 2 + 1 + 2 } });
    expect(await ledger.commitChunk(write)).toEqual({ kind: 'already-applied' });

    const { Item } = await dynamo.send(new GetCommand({ TableName: stack.eventsTable, Key: { topic, event_id: event.event_id } }));
    expect(Item).toMatchObject({ topic, event_id: event.event_id, delivery_id: `it-${topic}`, timestamp: '2026-11-22T10:00:00.000Z' });
    expect(JSON.parse(Item!.payload)).toEqual(JSON.parse(JSON.stringify(event.payload)));
    expect(await topicCounters(topic)).toEqual({ received: 2, unique: 1, duplicates: 1 });
  });

  it('reports which events another delivery already stored, writing nothing', async () => {
    const topic = uniqueTopic('ledger-dup');
    const stored = makeEvent({ topic });
    await ledger.commitChunk(buildWrite(chunkOf([stored], `first-${topic}`), 0, new Set()));
    const fresh = makeEvent({ topic });
    const outcome = await ledger.commitChunk(buildWrite(chunkOf([fresh, stored], `second-${topic}`), 0, new Set()));
    expect(outcome).toEqual({ kind: 'duplicates', keys: [eventKey(stored)] });
    const { Item } = await dynamo.send(new GetCommand({ TableName: stack.eventsTable, Key: { topic, event_id: fresh.event_id } }));
    expect(Item).toBeUndefined();
    expect(await topicCounters(topic)).toEqual({ received: 1, unique: 1, duplicates: 0 });
  });

  it('stores an event once when 50 consumers race on it, with exact counters', async () => {
    const topic = uniqueTopic('race');
    const event = eventSchema.parse(makeEvent({ topic }));
    const bodies = Array.from(
      { length: 50 },
      (_, i) => packEvents([event], { requestId: `race-${topic}-${i}`, eventsPerMessage: 1, eventsPerTransaction: 1 })[0]!.body,
    );
    const outcomes = await Promise.all(bodies.map((body, i) => consumeMessage(body, `m${i}`, ledger, options)));
    expect(outcomes.reduce((sum, o) => sum + (o.status === 'processed' ? o.unique : 0), 0)).toBe(1);
    expect(await topicCounters(topic)).toEqual({ received: 50, unique: 1, duplicates: 49 });
  });

  it('counts a rejected message once per delivery', async () => {
    const marker = `sqs:${uniqueTopic('rejected')}#rejected`;
    const before = (await reads.readCounters()).reduce((sum, row) => sum + row.rejected, 0);
    expect(await ledger.commitRejection(marker, 1)).toMatchObject({ kind: 'committed' });
    expect(await ledger.commitRejection(marker, 1)).toEqual({ kind: 'already-applied' });
    const after = (await reads.readCounters()).reduce((sum, row) => sum + row.rejected, 0);
    expect(after - before).toBe(1);
  });
});
