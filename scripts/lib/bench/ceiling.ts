import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { DynamoDbLedger } from '../../../functions/adapters/dynamo-ledger.ts';
import { consumeMessage } from '../../../functions/domain/consume.ts';
import { packEvents } from '../../../functions/domain/envelope.ts';
import { eventSchema } from '../../../functions/domain/event.ts';
import { clientOptions, type StackInfo } from '../stack.ts';
import { buildWorkload } from '../workload.ts';
import { cpuByRole, cpuPerThousandEvents } from './cpu.ts';
import type { Shape } from './run.ts';
import { round } from './system.ts';

/**
 * The emulator's own limit for this workload: the same messages applied by the same consumer
 * code, sent straight from here to its DynamoDB, `parallel` at a time (the pipeline's own number of
 * concurrent batches, for a like-for-like figure). No API, no SQS, no Lambda.
 */
export async function emulatorCeiling(stack: StackInfo, shape: Shape, parallel: number) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(stack)));
  const ledger = new DynamoDbLedger(client, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, retentionDays: 0 });
  const workload = buildWorkload({ ...shape, runId: randomBytes(4).toString('hex') });
  const bodies = workload.requests.flatMap((request, i) =>
    packEvents(
      request.map((e) => eventSchema.parse(e)),
      { requestId: `ceiling-${i}-${Date.now()}`, eventsPerMessage: 100, eventsPerTransaction: 95 },
    ).map((m) => m.body),
  );
  const cpuBefore = cpuByRole();
  const started = performance.now();
  await pMap(bodies, (body) => consumeMessage(body, 'ceiling', ledger, { counterShards: 8, totalsShards: 8 }), { concurrency: parallel });
  const seconds = (performance.now() - started) / 1000;
  return {
    events: workload.total,
    parallel,
    seconds: round(seconds, 1),
    events_per_s: round(workload.total / seconds, 1),
    cpu_seconds_per_1000_events: cpuPerThousandEvents(cpuBefore, cpuByRole(), workload.total),
  };
}

export type Ceiling = Awaited<ReturnType<typeof emulatorCeiling>>;

/** The mean of two ceilings: events/s over their combined time, CPU per 1,000 events averaged. */
export function meanCeiling(a: Ceiling, b: Ceiling): Ceiling & { measurements: number[] } {
  const cpu: Record<string, number> = {};
  for (const role of new Set([...Object.keys(a.cpu_seconds_per_1000_events), ...Object.keys(b.cpu_seconds_per_1000_events)])) {
    cpu[role] = round(((a.cpu_seconds_per_1000_events[role] ?? 0) + (b.cpu_seconds_per_1000_events[role] ?? 0)) / 2, 3);
  }
  return {
    events: a.events + b.events,
    parallel: a.parallel,
    seconds: round(a.seconds + b.seconds, 1),
    events_per_s: round((a.events + b.events) / (a.events / a.events_per_s + b.events / b.events_per_s), 1),
    cpu_seconds_per_1000_events: cpu,
    measurements: [a.events_per_s, b.events_per_s],
  };
}
