import { describe, expect, it, vi } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { clientsFor, invocationMetrics, metricTotal } from '../../scripts/lib/aws.ts';
import { fetchTopicCounts } from '../../scripts/lib/convergence.ts';
import { stack, testApi } from '../support/api.ts';
import { invokeProcess, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

describe('F6 transaction conflicts under concurrent batches', () => {
  it('retries conflicting transactions and keeps the counts exact', async () => {
    const since = Date.now() - 1000;
    const topics = [uniqueTopic('f6a'), uniqueTopic('f6b')];
    // 40 distinct events; 12 concurrent batches of 5 messages (the trigger's batch size) draw from
    // them, so batches race on events and counter shards, and every transaction is first reported
    // as conflicting twice.
    const pool = Array.from({ length: 40 }, (_, i) =>
      eventSchema.parse(makeEvent({ topic: topics[i % 2]!, payload: { _idemlog_fault: { mode: 'conflict', times: 2 } } })),
    );
    let sent = 0;
    const batches = Array.from({ length: 12 }, (_, b) =>
      Array.from({ length: 5 }, (_, m) => {
        const events = Array.from({ length: 3 }, (_, k) => pool[(b * 7 + m * 3 + k) % pool.length]!);
        sent += events.length;
        return sqsRecord(
          packEvents(events, { requestId: `f6-${b}-${m}-${since}`, eventsPerMessage: 10, eventsPerTransaction: 97 })[0]!.body,
        );
      }),
    );
    // Four lanes at once: enough to race, few enough that the emulator's cold starts (it starts a
    // Node worker per concurrent invocation, on 2 cores) stay inside the local 5 s timeout.
    const replies: Array<Awaited<ReturnType<typeof invokeProcess>>> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) replies.push(await invokeProcess(batches[next++]!));
      }),
    );
    expect(replies.flatMap((r) => r.batchItemFailures)).toEqual([]);

    const counters = await vi.waitFor(
      async () => {
        const current = await fetchTopicCounts(testApi, topics);
        expect(topics.reduce((total, topic) => total + current[topic]!.received, 0)).toBe(sent);
        return current;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(topics.reduce((total, topic) => total + counters[topic]!.unique_processed, 0)).toBe(40);
    expect(topics.reduce((total, topic) => total + counters[topic]!.duplicate_dropped, 0)).toBe(sent - 40);

    const invocations = await invocationMetrics(clientsFor(stack).logs, stack.processFunction, since);
    const cancelled = metricTotal(invocations, 'TransactionsCancelled');
    console.log(`F6: ${cancelled} transactions reported as conflicting and retried over ${invocations.length} invocations`);
    // With the pre-read, only transactions that still insert an event carry the marker: at least one per 3 of the 40 events.
    expect(cancelled).toBeGreaterThanOrEqual(2 * Math.ceil(40 / 3));
  });
});
