import pMap from 'p-map';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCounterStore } from '../../functions/adapters/dynamo-counters.ts';
import { DynamoDbEventStore } from '../../functions/adapters/dynamo-events.ts';
import { DynamoDbLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { counterPartitionOf } from '../../functions/adapters/items.ts';
import { buildWrite } from '../../functions/domain/consume.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { parseEventsQuery, readEventsPage } from '../../functions/domain/events-page.ts';
import { stack } from '../support/api.ts';
import { dynamo } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const ledger = new DynamoDbLedger(dynamo, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, retentionDays: 0 });
const events = new DynamoDbEventStore(dynamo, stack.eventsTable);
const counters = new DynamoDbCounterStore(dynamo, { ledgerTable: stack.ledgerTable });
const topic = uniqueTopic('reads');
const seconds = [5, 1, 9, 3, 7, 2, 8, 0, 6, 4];
const page = async (params: Record<string, string>) =>
  (await readEventsPage(parseEventsQuery(params), events)).events.map((e) => e.event_id);

beforeAll(async () => {
  const stored = seconds.map((s) =>
    eventSchema.parse(makeEvent({ topic, event_id: `e${s}`, timestamp: `2026-11-22T10:00:0${s}Z`, source: s % 2 ? 'odd' : 'even' })),
  );
  // Two chunks on two shards, so the topic has counters on two shards and events on many lanes.
  await ledger.commit(buildWrite({ id: `${topic}/0-4`, events: stored.slice(0, 5) }, { counters: 0, totals: 0 }, new Set()));
  await ledger.commit(
    buildWrite({ id: `${topic}/5-${stored.length - 1}`, events: stored.slice(5) }, { counters: 1, totals: 1 }, new Set()),
  );
});

describe('the read adapters against the emulator', () => {
  it('read a topic in time order from its lanes, with an exact limit, both ways', async () => {
    expect(await page({ topic, limit: '4' })).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(await page({ topic, limit: '3', order: 'desc' })).toEqual(['e9', 'e8', 'e7']);
  });

  it('honour since, until (both inclusive) and source in the queries themselves', async () => {
    expect(await page({ topic, since: '2026-11-22T10:00:03Z', until: '2026-11-22T10:00:07Z' })).toEqual(['e3', 'e4', 'e5', 'e6', 'e7']);
    expect(await page({ topic, source: 'odd' })).toEqual(['e1', 'e3', 'e5', 'e7', 'e9']);
  });

  it('sum a topic’s counters over its shards, and find it among the topic pages', async () => {
    expect(await counters.readTopic(topic)).toEqual({ received: 10, unique: 10, duplicates: 0 });
    const seen = new Map<string, number>();
    let after: Awaited<ReturnType<typeof counters.readTopicPage>>['next'];
    do {
      const result = await counters.readTopicPage(50, after);
      expect(result.topics.length).toBeLessThanOrEqual(50);
      for (const [name, counts] of result.topics) seen.set(name, (seen.get(name) ?? 0) + counts.received);
      after = result.next;
    } while (after);
    expect(seen.get(topic)).toBe(10);
  });

  it('walk a partition whose topics sit on different shards, a few topics a page, each topic once and whole', async () => {
    // Twelve topics of one counter partition, each counted on one to three of its eight shard keys.
    const prefix = uniqueTopic('walk');
    const partition = counterPartitionOf(`${prefix}.0`);
    const names: string[] = [];
    for (let n = 0; names.length < 12; n++) if (counterPartitionOf(`${prefix}.${n}`) === partition) names.push(`${prefix}.${n}`);
    const expected = new Map<string, number>();
    for (const [i, name] of names.entries()) {
      const shards = [i % 8, (i * 3 + 1) % 8, (i * 5 + 2) % 8].slice(0, 1 + (i % 3));
      for (const [k, shard] of shards.entries()) {
        const event = eventSchema.parse(makeEvent({ topic: name, event_id: `w${k}` }));
        await ledger.commit(buildWrite({ id: `${name}/${k}-${k}`, events: [event] }, { counters: shard, totals: shard }, new Set()));
      }
      expect(await counters.readTopic(name)).toEqual({ received: shards.length, unique: shards.length, duplicates: 0 });
      expected.set(name, shards.length);
    }
    for (const limit of [1, 2, 5]) {
      const seen = new Map<string, number>();
      // \u0001 sorts before every topic name (control characters are refused in topics).
      let after: Awaited<ReturnType<typeof counters.readTopicPage>>['next'] = { partition, topic: '\u0001' };
      while (after && after.partition === partition) {
        const result = await counters.readTopicPage(limit, after);
        expect(result.topics.length).toBeLessThanOrEqual(limit);
        for (const [name, counts] of result.topics) {
          expect(seen.has(name), `${name} listed twice`).toBe(false);
          seen.set(name, counts.received);
        }
        after = result.next;
      }
      expect(new Map([...seen].filter(([name]) => name.startsWith(prefix)))).toEqual(expected);
    }
  });

  it('walk a hot topic counted on many shards, whose items span several query pages, whole between its neighbours', async () => {
    const prefix = uniqueTopic('hot');
    const partition = counterPartitionOf(`${prefix}.0`);
    const names: string[] = [];
    for (let n = 0; names.length < 3; n++) if (counterPartitionOf(`${prefix}.${n}`) === partition) names.push(`${prefix}.${n}`);
    const [before, hot, after] = names as [string, string, string];
    const shardsOf = { [before]: [3], [hot]: Array.from({ length: 1200 }, (_, shard) => shard), [after]: [5, 6] };
    for (const [name, shards] of Object.entries(shardsOf)) {
      await pMap(
        shards,
        (shard) =>
          ledger.commit(
            buildWrite(
              { id: `${name}/${shard}-${shard}`, events: [eventSchema.parse(makeEvent({ topic: name, event_id: `h${shard}` }))] },
              { counters: shard, totals: shard },
              new Set(),
            ),
          ),
        { concurrency: 8 },
      );
    }
    expect(await counters.readTopic(hot)).toEqual({ received: 1200, unique: 1200, duplicates: 0 });
    for (const limit of [1, 2, 3]) {
      const seen = new Map<string, number>();
      let position: Awaited<ReturnType<typeof counters.readTopicPage>>['next'] = { partition, topic: '\u0001' };
      while (position && position.partition === partition) {
        const result = await counters.readTopicPage(limit, position);
        for (const [name, counts] of result.topics) {
          expect(seen.has(name), `${name} listed twice`).toBe(false);
          seen.set(name, counts.received);
        }
        position = result.next;
      }
      expect(new Map([...seen].filter(([name]) => name.startsWith(prefix)))).toEqual(
        new Map([
          [before, 1],
          [hot, 1200],
          [after, 2],
        ]),
      );
    }
  });
});
