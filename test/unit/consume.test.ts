import { describe, expect, it } from 'vitest';
import { ContentionError, consumeMessage, shardOf } from '../../functions/domain/consume.ts';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { InjectedFault } from '../../functions/domain/faults.ts';
import { makeEvent } from '../support/events.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

const options = { counterShards: 4, defaultTransactionSize: 97, sleep: async () => {} };
const envelopeOf = (events: ReturnType<typeof makeEvent>[], id = 'req-1', eventsPerTransaction = 97) =>
  packEvents(
    events.map((e) => eventSchema.parse(e)),
    { requestId: id, eventsPerMessage: 1000, eventsPerTransaction },
  )[0]!.body;

describe('consumeMessage', () => {
  it('stores each distinct event once and counts in-message duplicates', async () => {
    const ledger = new MemoryLedger();
    const a = makeEvent({ topic: 't' });
    const b = makeEvent({ topic: 't' });
    const outcome = await consumeMessage(envelopeOf([a, b, a, a]), 'm1', ledger, options);
    expect(outcome).toMatchObject({ status: 'processed', deliveryId: 'req-1.0', unique: 2, duplicates: 2, redelivered: 0 });
    expect(outcome.metrics).toMatchObject({ peeks: 1, transactions: 1, cancelled: 0 });
    expect(ledger.counters.get('t')).toEqual({ received: 4, unique: 2, duplicates: 2 });
  });

  it('counts a redelivered message once', async () => {
    const ledger = new MemoryLedger();
    const body = envelopeOf([makeEvent({ topic: 't' }), makeEvent({ topic: 't' })]);
    await consumeMessage(body, 'm1', ledger, options);
    const again = await consumeMessage(body, 'm1', ledger, options);
    expect(again).toMatchObject({ unique: 0, duplicates: 0, redelivered: 2 });
    expect(ledger.counters.get('t')).toEqual({ received: 2, unique: 2, duplicates: 0 });
  });

  it('learns which events another delivery stored and commits the rest as duplicates', async () => {
    const ledger = new MemoryLedger();
    const shared = makeEvent({ topic: 't' });
    await consumeMessage(envelopeOf([shared], 'first'), 'm1', ledger, options);
    const outcome = await consumeMessage(envelopeOf([shared, makeEvent({ topic: 't' })], 'second'), 'm2', ledger, options);
    expect(outcome).toMatchObject({ unique: 1, duplicates: 1 });
    expect(ledger.counters.get('t')).toEqual({ received: 3, unique: 2, duplicates: 1 });
  });

  it('without the pre-read, learns duplicates from the cancelled transaction and commits the rest', async () => {
    const ledger = new MemoryLedger();
    const shared = makeEvent({ topic: 't' });
    await consumeMessage(envelopeOf([shared], 'first'), 'm1', ledger, options);
    const commitsBefore = ledger.commits;
    const outcome = await consumeMessage(envelopeOf([shared, makeEvent({ topic: 't' })], 'second'), 'm2', ledger, {
      ...options,
      peek: false,
    });
    expect(outcome).toMatchObject({ unique: 1, duplicates: 1 });
    expect(ledger.commits - commitsBefore).toBe(2);
    expect(ledger.counters.get('t')).toEqual({ received: 3, unique: 2, duplicates: 1 });
  });

  it('with the pre-read, skips an applied chunk without a transaction', async () => {
    const ledger = new MemoryLedger();
    const body = envelopeOf([makeEvent({ topic: 't' })]);
    await consumeMessage(body, 'm1', ledger, options);
    const commitsBefore = ledger.commits;
    expect(await consumeMessage(body, 'm1', ledger, options)).toMatchObject({ redelivered: 1 });
    expect(ledger.commits).toBe(commitsBefore);
  });

  it('splits a message into transactions deterministically, and a redelivery skips every applied chunk', async () => {
    const ledger = new MemoryLedger();
    const events = Array.from({ length: 10 }, (_, i) => makeEvent({ topic: `t${i % 3}` }));
    const body = envelopeOf(events, 'req', 3);
    await consumeMessage(body, 'm1', ledger, options);
    expect(ledger.markers.size).toBe(4);
    await consumeMessage(body, 'm1', ledger, options);
    const total = [...ledger.counters.values()].reduce((sum, c) => sum + c.received, 0);
    expect(total).toBe(10);
  });

  it('retries contended transactions and gives up after a bound', async () => {
    const ledger = new MemoryLedger();
    ledger.scripted.push({ kind: 'contended' }, { kind: 'contended' });
    await consumeMessage(envelopeOf([makeEvent({ topic: 't' })]), 'm1', ledger, options);
    expect(ledger.counters.get('t')?.unique).toBe(1);

    const stuck = new MemoryLedger();
    stuck.scripted.push(...Array.from({ length: 20 }, () => ({ kind: 'contended' as const })));
    await expect(consumeMessage(envelopeOf([makeEvent()]), 'm2', stuck, { ...options, maxContendedAttempts: 3 })).rejects.toBeInstanceOf(
      ContentionError,
    );
  });

  it('counts a message that is not an event as rejected, once', async () => {
    const ledger = new MemoryLedger();
    expect(await consumeMessage('not json', 'm1', ledger, options)).toMatchObject({ status: 'rejected' });
    await consumeMessage('not json', 'm1', ledger, options);
    await consumeMessage('{"v":1,"id":"x"}', 'm2', ledger, options);
    expect(ledger.rejected).toBe(2);
  });

  it('accepts a bare event sent straight to the queue, keyed by the SQS message id', async () => {
    const ledger = new MemoryLedger();
    const body = JSON.stringify(makeEvent({ topic: 't' }));
    await consumeMessage(body, 'sqs-1', ledger, options);
    await consumeMessage(body, 'sqs-1', ledger, options);
    expect(ledger.counters.get('t')).toEqual({ received: 1, unique: 1, duplicates: 0 });
  });

  it('honours fault markers only when fault injection is enabled', async () => {
    const ledger = new MemoryLedger();
    const body = envelopeOf([makeEvent({ topic: 't', payload: { _idemlog_fault: { mode: 'crash_after_write', times: 1 } } })]);
    const faults = (receiveCount: number) => ({ ...options, faults: { enabled: true, receiveCount } });
    await expect(consumeMessage(body, 'm1', ledger, faults(1))).rejects.toBeInstanceOf(InjectedFault);
    expect(ledger.counters.get('t')?.received).toBe(1);
    await consumeMessage(body, 'm1', ledger, faults(2));
    expect(ledger.counters.get('t')?.received).toBe(1);

    const failing = envelopeOf([makeEvent({ topic: 'f', payload: { _idemlog_fault: { mode: 'fail' } } })], 'req-fail');
    await expect(consumeMessage(failing, 'm2', ledger, faults(9))).rejects.toBeInstanceOf(InjectedFault);
    expect(ledger.counters.get('f')).toBeUndefined();
    await consumeMessage(failing, 'm2', ledger, { ...options, faults: { enabled: false, receiveCount: 9 } });
    expect(ledger.counters.get('f')?.received).toBe(1);
  });

  it('spreads counter shards', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`delivery-${i}#0`, 8)));
    expect(shards.size).toBe(8);
  });
});
