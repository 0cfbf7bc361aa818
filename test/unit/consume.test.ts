import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChunkWrite, ContentionError, consumeMessage, type Ledger } from '../../functions/domain/consume.ts';
import { packEvents } from '../../functions/domain/envelope.ts';
import { DeadlineError } from '../../functions/domain/errors.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { InjectedFault } from '../../functions/domain/faults.ts';
import { bucketOf } from '../../functions/domain/hash.ts';
import { projectRoot } from '../../scripts/lib/stack.ts';
import { makeEvent } from '../support/events.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

const options = { counterShards: 4, totalsShards: 32 };
const bodyOf = (events: ReturnType<typeof makeEvent>[], id = 'req-1', eventsPerTransaction = 95) =>
  packEvents(
    events.map((e) => eventSchema.parse(e)),
    { requestId: id, eventsPerMessage: 1000, eventsPerTransaction },
  )[0]!.body;
const recorded = (name: string) => readFileSync(join(projectRoot, 'test/fixtures/envelopes', name), 'utf8').trim();

describe('consumeMessage', () => {
  it('stores each distinct event once and counts in-message duplicates', async () => {
    const ledger = new MemoryLedger();
    const a = makeEvent({ topic: 't' });
    const b = makeEvent({ topic: 't' });
    const outcome = await consumeMessage(bodyOf([a, b, a, a]), 'm1', ledger, options);
    expect(outcome).toMatchObject({ status: 'applied', deliveryId: 'req-1/0', unique: 2, duplicates: 2, redelivered: 0 });
    expect(outcome.metrics).toMatchObject({ peeks: 1, transactions: 1, cancelled: 0 });
    expect(ledger.counters.get('t')).toEqual({ received: 4, unique: 2, duplicates: 2 });
    expect(ledger.totals).toEqual({ received: 4, unique: 2, duplicates: 2 });
    expect(ledger.markers.get('req-1/0-3')).toBe('ssdd');
  });

  it('counts a redelivered message once', async () => {
    const ledger = new MemoryLedger();
    const body = bodyOf([makeEvent({ topic: 't' }), makeEvent({ topic: 't' })]);
    await consumeMessage(body, 'm1', ledger, options);
    const again = await consumeMessage(body, 'm1', ledger, options);
    expect(again).toMatchObject({ unique: 0, duplicates: 0, redelivered: 2 });
    expect(ledger.counters.get('t')).toEqual({ received: 2, unique: 2, duplicates: 0 });
  });

  it('learns which events another delivery stored and commits the rest as duplicates', async () => {
    const ledger = new MemoryLedger();
    const shared = makeEvent({ topic: 't' });
    await consumeMessage(bodyOf([shared], 'first'), 'm1', ledger, options);
    const outcome = await consumeMessage(bodyOf([shared, makeEvent({ topic: 't' })], 'second'), 'm2', ledger, options);
    expect(outcome).toMatchObject({ unique: 1, duplicates: 1 });
    expect(ledger.counters.get('t')).toEqual({ received: 3, unique: 2, duplicates: 1 });
    expect(ledger.markers.get('second/0-1')).toBe('ds');
  });

  it('without the pre-read, learns duplicates from the cancelled transaction and commits the rest', async () => {
    const ledger = new MemoryLedger();
    const shared = makeEvent({ topic: 't' });
    await consumeMessage(bodyOf([shared], 'first'), 'm1', ledger, options);
    const commitsBefore = ledger.commits;
    const outcome = await consumeMessage(bodyOf([shared, makeEvent({ topic: 't' })], 'second'), 'm2', ledger, { ...options, peek: false });
    expect(outcome).toMatchObject({ unique: 1, duplicates: 1 });
    expect(ledger.commits - commitsBefore).toBe(2);
    expect(ledger.counters.get('t')).toEqual({ received: 3, unique: 2, duplicates: 1 });
  });

  it('with the pre-read, skips an applied chunk without a transaction', async () => {
    const ledger = new MemoryLedger();
    const body = bodyOf([makeEvent({ topic: 't' })]);
    await consumeMessage(body, 'm1', ledger, options);
    const commitsBefore = ledger.commits;
    expect(await consumeMessage(body, 'm1', ledger, options)).toMatchObject({ redelivered: 1 });
    expect(ledger.commits).toBe(commitsBefore);
  });

  it('applies the chunks publish fixed, and a redelivery skips every applied chunk whatever the consumer’s own budgets', async () => {
    const ledger = new MemoryLedger();
    const events = Array.from({ length: 10 }, (_, i) => makeEvent({ topic: `t${i % 3}` }));
    const body = bodyOf(events, 'req', 3);
    await consumeMessage(body, 'm1', ledger, options);
    expect([...ledger.markers.keys()]).toEqual(['req/0-2', 'req/3-5', 'req/6-8', 'req/9-9']);
    // Another release, with other shard counts and budgets, reads the same message.
    const again = await consumeMessage(body, 'm1', ledger, { counterShards: 16, totalsShards: 64, peek: false });
    expect(again).toMatchObject({ unique: 0, redelivered: 10 });
    expect(ledger.totals.received).toBe(10);
  });

  it("reads a message's chunks before writing in one pre-read, and counts an event repeated across its chunks without a cancelled transaction", async () => {
    const ledger = new MemoryLedger();
    const repeated = makeEvent({ topic: 't0' });
    const events = [repeated, ...Array.from({ length: 8 }, (_, i) => makeEvent({ topic: `t${i % 3}` })), repeated];
    const outcome = await consumeMessage(bodyOf(events, 'req', 5), 'm1', ledger, options);
    expect([...ledger.markers.keys()]).toEqual(['req/0-4', 'req/5-9']);
    expect(outcome).toMatchObject({ unique: 9, duplicates: 1, redelivered: 0 });
    expect(outcome.metrics).toMatchObject({ peeks: 1, transactions: 2, cancelled: 0 });
    expect(ledger.markers.get('req/5-9')).toBe('ssssd');
    expect(ledger.totals).toEqual({ received: 10, unique: 9, duplicates: 1 });
  });

  it('splits the pre-read where its keys would pass BatchGetItem’s hundred, and a redelivery skips every applied chunk', async () => {
    const events = Array.from({ length: 120 }, (_, i) => makeEvent({ topic: `t${i % 2}` }));
    const body = bodyOf(events, 'big', 40);
    const ledger = new MemoryLedger();
    const first = await consumeMessage(body, 'm1', ledger, options);
    expect(first).toMatchObject({ unique: 120, duplicates: 0, redelivered: 0 });
    // Two chunks' markers and 80 events in one read; the third chunk's 41 keys would make 123.
    expect(first.metrics).toMatchObject({ peeks: 2, transactions: 3 });
    expect(ledger.peekedKeys).toEqual([82, 41]);
    const again = await consumeMessage(body, 'm1', ledger, options);
    expect(again).toMatchObject({ unique: 0, redelivered: 120 });
    expect(again.metrics).toMatchObject({ peeks: 2, transactions: 0 });
    expect(ledger.totals).toEqual({ received: 120, unique: 120, duplicates: 0 });
  });

  it('fills a pre-read to exactly a hundred keys, markers counted, and never past it', async () => {
    const cases = [
      // Two chunks of 49 distinct events: 98 events and 2 markers, one read.
      { first: 49, second: 49, repeats: 0, perChunk: 49, peeked: [100] },
      // 95 and 5: 100 events and 2 markers would be 102, so two reads.
      { first: 95, second: 5, repeats: 0, perChunk: 95, peeked: [96, 6] },
      // 50 and 50, two of the second repeating the first: 98 keys asked for once each, and 2 markers.
      { first: 50, second: 48, repeats: 2, perChunk: 50, peeked: [100] },
      // 50 and 49: 101 keys with the markers, so two reads.
      { first: 50, second: 49, repeats: 0, perChunk: 50, peeked: [51, 50] },
    ];
    for (const { first, second, repeats, perChunk, peeked } of cases) {
      const ledger = new MemoryLedger();
      const events = Array.from({ length: first + second }, () => makeEvent({ topic: 't' }));
      const body = bodyOf([...events, ...events.slice(0, repeats)], `r${first}-${second}-${repeats}`, perChunk);
      const outcome = await consumeMessage(body, 'm1', ledger, options);
      expect(ledger.markers.size).toBe(2);
      expect(ledger.peekedKeys).toEqual(peeked);
      // What the read-unit metric counts is what was read.
      expect(outcome.metrics.peekedKeys).toBe(peeked.reduce((sum, keys) => sum + keys, 0));
      expect(outcome).toMatchObject({ unique: first + second, duplicates: repeats });
      expect(outcome.metrics.cancelled).toBe(0);
    }
  });

  it('leaves out of a later pre-read the events an earlier chunk of the delivery stored, and fits more chunks in it so', async () => {
    const ledger = new MemoryLedger();
    const made = (count: number) => Array.from({ length: count }, () => makeEvent({ topic: 't' }));
    const [first, second, third] = [made(95), made(35), made(60)];
    // Chunks of 95 distinct: the first 95, then the second's first event, 60 repeats of the first
    // chunk's events and the second's other 34, then the third's 60.
    const events = [...first, second[0]!, ...first.slice(0, 60), ...second.slice(1), ...third];
    const outcome = await consumeMessage(bodyOf(events, 'later', 95), 'm1', ledger, options);
    expect(ledger.markers.size).toBe(3);
    // The second read asks for the second chunk's 35 new events and the third's 60, and their markers.
    expect(ledger.peekedKeys).toEqual([96, 97]);
    expect(outcome.metrics.peekedKeys).toBe(96 + 97);
    expect(outcome).toMatchObject({ unique: 190, duplicates: 60 });
    expect(outcome.metrics).toMatchObject({ transactions: 3, cancelled: 0 });
  });

  it('retries contended transactions and gives up after a bound', async () => {
    const ledger = new MemoryLedger();
    ledger.scripted.push({ kind: 'contended' }, { kind: 'contended' });
    await consumeMessage(bodyOf([makeEvent({ topic: 't' })]), 'm1', ledger, options);
    expect(ledger.counters.get('t')?.unique).toBe(1);

    const stuck = new MemoryLedger();
    stuck.scripted.push(...Array.from({ length: 20 }, () => ({ kind: 'contended' as const })));
    await expect(consumeMessage(bodyOf([makeEvent()]), 'm2', stuck, { ...options, contendedAttempts: 3 })).rejects.toBeInstanceOf(
      ContentionError,
    );
    expect(stuck.commits).toBe(3);
  });

  it('stops at the deadline: nothing half-done, and the message can be delivered again', async () => {
    const ledger = new MemoryLedger();
    const body = bodyOf(
      Array.from({ length: 10 }, () => makeEvent({ topic: 't' })),
      'late',
      2,
    );
    const controller = new AbortController();
    ledger.scripted.push({ kind: 'contended' });
    const pending = consumeMessage(body, 'm1', ledger, { ...options, signal: controller.signal });
    controller.abort(new DeadlineError('deadline'));
    await expect(pending).rejects.toBeInstanceOf(Error);
    const outcome = await consumeMessage(body, 'm1', ledger, options);
    expect(outcome).toMatchObject({ status: 'applied' });
    expect(ledger.totals).toEqual({ received: 10, unique: 10, duplicates: 0 });
  });

  it('leaves an unreadable message unapplied, to reach the DLQ intact, and counts it in rejected once', async () => {
    const ledger = new MemoryLedger();
    expect(await consumeMessage('not json', 'm1', ledger, options)).toMatchObject({ status: 'unreadable', reason: 'body is not JSON' });
    await consumeMessage('not json', 'm1', ledger, options);
    await consumeMessage('{"v":2,"id":"x"}', 'm2', ledger, options);
    expect(ledger.rejected).toBe(2);
    expect(ledger.totals).toEqual({ received: 0, unique: 0, duplicates: 0 });
  });

  it("puts a chunk's totals on one of many more shards than its topics' counters, both drawn from its id", async () => {
    // Two transactions in flight meet on a totals item whatever their topics, on a counter item only
    // when they share a topic too: the totals need the wider spread (docs/CAPACITY.md).
    const memory = new MemoryLedger();
    const writes: ChunkWrite[] = [];
    const unreadable: Array<[string, number]> = [];
    const ledger: Ledger = {
      peek: (chunkIds, events) => memory.peek(chunkIds, events),
      commit: (write) => {
        writes.push(write);
        return memory.commit(write);
      },
      recordUnreadable: (fingerprint, shard) => {
        unreadable.push([fingerprint, shard]);
        return memory.recordUnreadable(fingerprint);
      },
    };
    const shards = { counterShards: 4, totalsShards: 4096 };
    for (let i = 0; i < 200; i++) await consumeMessage(bodyOf([makeEvent({ topic: 't' })], `r${i}`), `m${i}`, ledger, shards);
    for (const write of writes)
      expect(write.shards).toEqual({ counters: bucketOf(write.chunkId, 4), totals: bucketOf(write.chunkId, 4096) });
    expect(new Set(writes.map((write) => write.shards.totals)).size).toBeGreaterThan(150);
    for (let i = 0; i < 50; i++) await consumeMessage(`not json ${i}`, `u${i}`, ledger, shards);
    for (const [fingerprint, shard] of unreadable) expect(shard).toBe(bucketOf(fingerprint, 4096));
    expect(new Set(unreadable.map(([, shard]) => shard)).size).toBeGreaterThan(4);
    expect(memory.totals).toEqual({ received: 200, unique: 200, duplicates: 0 });
  });

  it('honours fault markers only when fault injection is enabled', async () => {
    const ledger = new MemoryLedger();
    const body = bodyOf([makeEvent({ topic: 't', payload: { _idemlog_fault: { mode: 'crash_after_write', times: 1 } } })]);
    const faults = (receiveCount: number) => ({ ...options, faults: { enabled: true, receiveCount } });
    await expect(consumeMessage(body, 'm1', ledger, faults(1))).rejects.toBeInstanceOf(InjectedFault);
    expect(ledger.counters.get('t')?.received).toBe(1);
    await consumeMessage(body, 'm1', ledger, faults(2));
    expect(ledger.counters.get('t')?.received).toBe(1);

    const failing = bodyOf([makeEvent({ topic: 'f', payload: { _idemlog_fault: { mode: 'fail' } } })], 'req-fail');
    await expect(consumeMessage(failing, 'm2', ledger, faults(9))).rejects.toBeInstanceOf(InjectedFault);
    expect(ledger.counters.get('f')).toBeUndefined();
    await consumeMessage(failing, 'm2', ledger, { ...options, faults: { enabled: false, receiveCount: 9 } });
    expect(ledger.counters.get('f')?.received).toBe(1);
  });
});

describe('a bare event sent straight to the queue', () => {
  it('is applied exactly once, however often it comes, keyed by its SQS message id', async () => {
    const ledger = new MemoryLedger();
    for (let delivery = 0; delivery < 3; delivery++) {
      const outcome = await consumeMessage(recorded('bare-event.json'), 'recorded-sqs-id', ledger, { ...options, peek: delivery !== 1 });
      expect(outcome.status).toBe('applied');
    }
    expect(ledger.totals).toEqual({ received: 1, unique: 1, duplicates: 0 });
  });
});
