import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { DynamoDbReads } from '../../functions/adapters/dynamo-reads.ts';
import { buildWrite } from '../../functions/domain/consume.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { stack } from '../support/api.ts';
import { dynamo } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const ledger = new DynamoDbLedger(dynamo, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, retentionDays: 0 });
const reads = new DynamoDbReads(dynamo, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, counterShards: 8 });
const topic = uniqueTopic('reads');
const seconds = [5, 1, 9, 3, 7, 2, 8, 0, 6, 4];

beforeAll(async () => {
  const events = seconds.map((s) => eventSchema.parse(makeEvent({ topic, event_id: `e${s}`, timestamp: `2026-11-22T10:00:0${s}Z` })));
  await ledger.commitChunk(buildWrite({ markerId: `${topic}#0`, deliveryId: topic, events }, 0, new Set()));
});

describe('DynamoDbReads against the emulator', () => {
  it('reads a topic in timestamp order through the by-time index, with an exact limit', async () => {
    const page = await reads.timeline(topic, { order: 'asc' }, 4);
    expect(page.map((e) => e.event.event_id)).toEqual(['e0', 'e1', 'e2', 'e3']);
    const newest = await reads.timeline(topic, { order: 'desc' }, 3);
    expect(newest.map((e) => e.event.event_id)).toEqual(['e9', 'e8', 'e7']);
  });

  it('continues after a bound', async () => {
    const first = await reads.timeline(topic, { order: 'asc' }, 2);
    const next = await reads.timeline(topic, { order: 'asc', bound: { key: first.at(-1)!.timeKey, inclusive: false } }, 100);
    expect(next.map((e) => e.event.event_id)).toEqual(['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  });

  it('lists the topic among the counters', async () => {
    expect(await reads.topics()).toContain(topic);
  });
});
