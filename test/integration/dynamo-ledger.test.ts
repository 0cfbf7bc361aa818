import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbCounterStore } from '../../functions/adapters/dynamo-counters.ts';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { buildWrite, consumeMessage } from '../../functions/domain/consume.ts';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { eventKey } from '../../functions/domain/identity.ts';
import { stack } from '../support/api.ts';
import { dynamo } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const ledger = new DynamoDbLedger(dynamo, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, retentionDays: 0 });
const counters = new DynamoDbCounterStore(dynamo, { ledgerTable: stack.ledgerTable });
const options = { counterShards: 8, totalsShards: 64 };

const chunkOf = (events: ReturnType<typeof makeEvent>[], requestId: string) => ({
  id: `${requestId}/0-${events.length - 1}`,
  events: events.map((e) => eventSchema.parse(e)),
});

describe('DynamoDbLedger against the emulator', () => {
  it('commits events, counters and marker together, and recognises the marker on a second commit', async () => {
    const topic = uniqueTopic('ledger');
    // biome-ignore lint/correctness/noPrecisionLoss: the test is about a number beyond 2^53 surviving as JSON would keep it
    const event = makeEvent({ topic, payload: { big: 12345678901234567890, nested: { list: [1, 'two', null] } } });
    const write = buildWrite(chunkOf([event, event], `it-${topic}`), { counters: 3, totals: 3 }, new Set());
    // marker 2 + event 2 + two index entries 1 + 1 + totals 2 + topic counter 2
    expect(await ledger.commit(write)).toMatchObject({ kind: 'committed', cost: { rule: 10, reported: 10 } });
    expect(await ledger.commit(write)).toEqual({ kind: 'already-applied' });

    const { Item } = await dynamo.send(new GetCommand({ TableName: stack.eventsTable, Key: { id: eventKey(event) } }));
    expect(Item).toMatchObject({ topic, event_id: event.event_id, chunk_id: `it-${topic}/0-1`, timestamp: '2026-11-22T10:00:00Z' });
    expect(JSON.parse(Item!.payload)).toEqual(JSON.parse(JSON.stringify(event.payload)));
    expect(await counters.readTopic(topic)).toEqual({ received: 2, unique: 1, duplicates: 1 });
  });

  it('reports which events another delivery already stored, writing nothing', async () => {
    const topic = uniqueTopic('ledger-dup');
    const stored = makeEvent({ topic });
    await ledger.commit(buildWrite(chunkOf([stored], `first-${topic}`), { counters: 0, totals: 0 }, new Set()));
    const fresh = makeEvent({ topic });
    const outcome = await ledger.commit(buildWrite(chunkOf([fresh, stored], `second-${topic}`), { counters: 0, totals: 0 }, new Set()));
    expect(outcome).toEqual({ kind: 'duplicates', keys: [eventKey(stored)] });
    const { Item } = await dynamo.send(new GetCommand({ TableName: stack.eventsTable, Key: { id: eventKey(fresh) } }));
    expect(Item).toBeUndefined();
    expect(await counters.readTopic(topic)).toEqual({ received: 1, unique: 1, duplicates: 0 });
  });

  it('stores an event once when 50 consumers race on it, with exact counters', async () => {
    const topic = uniqueTopic('race');
    const event = eventSchema.parse(makeEvent({ topic }));
    const bodies = Array.from(
      { length: 50 },
      (_, i) => packEvents([event], { requestId: `race-${topic}-${i}`, eventsPerMessage: 1, eventsPerTransaction: 1 })[0]!.body,
    );
    const outcomes = await Promise.all(bodies.map((body, i) => consumeMessage(body, `m${i}`, ledger, options)));
    expect(outcomes.reduce((sum, o) => sum + (o.status === 'applied' ? o.unique : 0), 0)).toBe(1);
    expect(await counters.readTopic(topic)).toEqual({ received: 50, unique: 1, duplicates: 49 });
  });

  it('counts an unreadable message once in rejected, whatever its deliveries', async () => {
    const fingerprint = uniqueTopic('unreadable');
    const before = (await counters.readTotals()).rejected;
    expect(await ledger.recordUnreadable(fingerprint, 1)).toMatchObject({ kind: 'committed' });
    expect(await ledger.recordUnreadable(fingerprint, 1)).toEqual({ kind: 'already-applied' });
    expect((await counters.readTotals()).rejected - before).toBe(1);
  });

  it('costs the same counter write units per transaction at 10 and at 5,000 existing topics, as the emulator reports them', async () => {
    const run = uniqueTopic('width');
    const measure = async (label: string) => {
      // A chunk whose one event is a known duplicate writes only the ledger: marker, totals, one topic counter.
      const event = makeEvent({ topic: `${run}.${label}`.padEnd(200, 'x') });
      const outcome = await ledger.commit(
        buildWrite(chunkOf([event], `${run}-${label}`), { counters: 5, totals: 5 }, new Set([eventKey(event)])),
      );
      if (outcome.kind !== 'committed') throw new Error(outcome.kind);
      return outcome.cost!.reported!;
    };
    const createTopics = async (count: number, from: number) => {
      for (let start = from; start < from + count; start += 48) {
        const events = Array.from({ length: Math.min(48, from + count - start) }, (_, i) =>
          makeEvent({ topic: `${run}.t${start + i}`.padEnd(200, 'x') }),
        );
        const outcome = await ledger.commit(buildWrite(chunkOf(events, `${run}-fill-${start}`), { counters: 5, totals: 5 }, new Set()));
        expect(outcome.kind).toBe('committed');
      }
    };
    await createTopics(10, 0);
    const atTen = await measure('ten');
    await createTopics(4990, 10);
    const atFiveThousand = await measure('five-thousand');
    expect(atTen).toBe(6);
    expect(atFiveThousand).toBe(atTen);
  });
});
