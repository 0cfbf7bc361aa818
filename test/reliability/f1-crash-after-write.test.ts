import { describe, expect, it } from 'vitest';
import { clientsFor, deliveryLogs } from '../../scripts/lib/aws.ts';
import { buildWorkload } from '../../scripts/lib/workload.ts';
import { stack } from '../support/api.ts';
import { expectTopicsSumToTotals, sendAndConverge } from '../support/load.ts';

// F1: the process function commits a message and then dies before acknowledging it, over and over.
const crashes = 1000;

describe('F1 crash after write, before acknowledging', () => {
  it(`survives ${crashes} injected crashes over a mixed load: nothing lost, nothing counted twice`, async () => {
    const since = Date.now() - 1000;
    const workload = buildWorkload({
      events: crashes * 5,
      duplicateRatio: 0.3,
      topics: 4,
      batchSize: 5,
      payloadBytes: 32,
      seed: 11,
      runId: `f1${Date.now().toString(36)}`,
    });
    // Every request (one SQS message) carries one event that crashes the first delivery after its write;
    // every tenth crashes the second delivery too. Requests that are exact re-sends repeat the marker.
    const requests = workload.requests.map((request, i) =>
      request.map((event, j) =>
        j === 0
          ? { ...event, payload: { ...event.payload, _idemlog_fault: { mode: 'crash_after_write', times: i % 10 === 0 ? 2 : 1 } } }
          : event,
      ),
    );
    const { load, drain } = await sendAndConverge(requests, 16, 400_000);
    console.log(
      `F1 load: ${load.accepted.length} accepted, ${load.ambiguous} in attempts with unknown outcome, statuses ${JSON.stringify(load.statuses)}; observed ${JSON.stringify({ ...drain.observed, topics: undefined })}`,
    );
    expect(load.abandoned).toBe(0);
    expect(load.ambiguous).toBe(0);
    expect(drain.mismatches).toEqual([]);
    expect(drain.converged).toBe(true);

    const logs = await deliveryLogs(clientsFor(stack).logs, stack.processFunction, since);
    const injected = logs.filter((line) => line.message === 'message failed' && line.reason?.includes('injected crash after write')).length;
    console.log(`F1: ${injected} injected crashes, ${load.accepted.length} events accepted, drain ${Math.round(drain.drainMs / 1000)} s`);
    expect(injected).toBeGreaterThanOrEqual(crashes);
    await expectTopicsSumToTotals(expect);
  });
});
