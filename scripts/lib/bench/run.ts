import { randomBytes } from 'node:crypto';
import { batchesOf } from '../../../functions/adapters/sqs-queue.ts';
import { packEvents } from '../../../functions/domain/envelope.ts';
import { eventSchema } from '../../../functions/domain/event.ts';
import { pollUntil } from '../../../functions/shared/retry.ts';
import { type ApiTarget, apiTargetOf } from '../api-client.ts';
import { clientsFor, deliveryLogs, handlerLatenciesMs, type InvocationMetrics, invocationMetrics, metricTotal } from '../aws.ts';
import { expectedFrom, fetchStats, snapshot, topicsOf, waitForConvergence } from '../convergence.ts';
import { percentile, runLoad } from '../load.ts';
import type { Protocol } from '../protocol-requests.ts';
import type { StackInfo } from '../stack.ts';
import { buildWorkload, type WorkloadEvent, type WorkloadOptions } from '../workload.ts';
import type { Settings } from './configs.ts';
import { costPerMillion, sqsBilledUnits } from './cost.ts';
import { cpuByRole, cpuPerThousandEvents, setWorkerProfiling } from './cpu.ts';
import { round } from './system.ts';

export type Shape = Omit<WorkloadOptions, 'runId'>;

/** Waits until nothing is queued or in flight, so that a run measures only its own events. */
export async function waitForEmptyQueue(api: ApiTarget): Promise<void> {
  const empty = async () => {
    const { queue } = await fetchStats(api);
    return queue.visible + queue.in_flight === 0 ? true : undefined;
  };
  // fetch() fails once on a kept-alive connection to an emulator that has since been restarted.
  await pollUntil(empty, { what: 'an empty queue', timeoutMs: 300_000, intervalMs: 500, retryable: (error) => error instanceof TypeError });
}

/**
 * A deploy leaves every function cold; warm as many publish and process workers as the run will
 * use, each through `requestsPerWorker` requests of the run's size. A worker's first invocations
 * run mostly unoptimised code (V8 has not yet compiled the hot paths), so a run that starts on
 * barely warmed workers measures that warm-up more than the code's cost per event; a worker on AWS
 * serves thousands of invocations. What the warm-up cost is returned, as the price of the first
 * invocations (docs/BENCHMARKS.md).
 */
export async function warmUp(api: ApiTarget, shape: Shape, concurrency: number, requestsPerWorker = 1) {
  const batchSize = requestsPerWorker > 1 ? shape.batchSize : 10;
  const warm = buildWorkload({
    ...shape,
    // Never more than the run itself: with big requests a few invocations per worker are plenty.
    events: Math.min(concurrency * requestsPerWorker * batchSize, Math.max(shape.events, concurrency * batchSize)),
    batchSize,
    runId: `warm${randomBytes(3).toString('hex')}`,
  });
  const before = cpuByRole();
  const load = await runLoad(warm.requests, { api, concurrency });
  await waitForEmptyQueue(api);
  return {
    // Planned requests per client after the cap above (retries not counted): as many clients as publish workers.
    requests_per_worker: Math.round((10 * warm.requests.length) / concurrency) / 10,
    events: load.accepted.length,
    cpu_seconds_per_1000_events: cpuPerThousandEvents(before, cpuByRole(), load.accepted.length),
  };
}

/** What the publish requests cost SQS, from the same packing the publish function does. */
function sqsSendFigures(requests: WorkloadEvent[][], settings: Settings) {
  let calls = 0;
  let billed = 0;
  let messages = 0;
  for (const request of requests) {
    const packed = packEvents(
      request.map((e) => eventSchema.parse(e)),
      {
        requestId: '00000000-0000-0000-0000-000000000000',
        eventsPerMessage: Number(settings.IDEMLOG_EVENTS_PER_MESSAGE),
        eventsPerTransaction: Number(settings.IDEMLOG_EVENTS_PER_TRANSACTION),
      },
    );
    messages += packed.length;
    for (const batch of batchesOf(packed, (m) => m)) {
      calls++;
      billed += sqsBilledUnits(batch.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0));
    }
  }
  return { calls, billed, messages };
}

/** The functions every published event goes through (stats and the fallback serve the benchmark's own polling and hop). */
const pipelineRoles = ['publish workers', 'process workers', 'authorize workers', 'ingest workers'];
const pipelineFunctionsCpu = (cpu: Record<string, number>) => pipelineRoles.reduce((sum, role) => sum + (cpu[role] ?? 0), 0);

export type RunFigures = Awaited<ReturnType<typeof measureRun>>;

/**
 * One run of the workload against a deployed, warmed stack: publish with `concurrency` clients,
 * wait until /stats converged exactly (a fast wrong answer fails), and account for what it cost,
 * from the process function's EMF metrics.
 */
export async function measureRun(
  stack: StackInfo,
  settings: Settings,
  shape: Shape,
  options: { concurrency: number; idempotencyKeys?: boolean; protocol?: Protocol; profileWorkers?: boolean },
) {
  const api = apiTargetOf(stack);
  const workload = buildWorkload({ ...shape, runId: randomBytes(4).toString('hex') });
  const since = Date.now() - 1000;
  const before = await snapshot(api, topicsOf(workload.requests));
  if (options.profileWorkers) setWorkerProfiling(true);
  const cpuBefore = cpuByRole();
  const startedAt = Date.now();
  const load = await runLoad(workload.requests, {
    api,
    concurrency: options.concurrency,
    idempotencyKeys: options.idempotencyKeys,
    ...(options.protocol ? { protocol: options.protocol } : {}),
  });
  const publishedAt = startedAt + load.durationMs;
  const expected = expectedFrom(load.accepted);
  // Polled slowly, so as not to load the emulator: the run's end is read afterwards from the last invocation's metrics.
  let cpuAtDrain = cpuBefore;
  const drain = await waitForConvergence(api, before, expected, {
    timeoutMs: 1_800_000,
    intervalMs: 1000,
    // The run's CPU ends when the pipeline has drained, not after the per-topic comparison and the log reads.
    onDrained: () => {
      cpuAtDrain = cpuByRole();
      if (options.profileWorkers) setWorkerProfiling(false);
    },
  });
  const accepted = load.accepted.length;
  const exact = drain.converged && load.ambiguous === 0 && load.abandoned === 0;

  const { logs } = clientsFor(stack);
  const invocations = await invocationMetrics(logs, stack.processFunction, since);
  const insidePublish = await handlerLatenciesMs(logs, stack.publishFunction, since);
  const failures = (await deliveryLogs(logs, stack.processFunction, since, ['message failed'])).map(
    (line) => line.reason ?? 'no reason logged',
  );
  const cpu = cpuPerThousandEvents(cpuBefore, cpuAtDrain, load.accepted.length);
  const finishedAt = Math.max(...invocations.map((i) => i.flushedAt));
  const seconds = (finishedAt - startedAt) / 1000;
  const handled = (i: InvocationMetrics) =>
    (i.metrics.EventsStored ?? 0) + (i.metrics.DuplicatesDropped ?? 0) + (i.metrics.EventsRedelivered ?? 0);
  const handledAfterPublish = invocations.filter((i) => i.flushedAt > publishedAt).reduce((total, i) => total + handled(i), 0);
  const sum = (metric: string) => metricTotal(invocations, metric);
  const sqs = sqsSendFigures(workload.requests, settings);
  const perThousand = (count: number) => round((count / accepted) * 1000, 1);
  const processInvocations = invocations.length;
  const publishInvocations = load.attempts;
  const dynamoRequests = sum('PreReads') + sum('TransactionsCommitted') + sum('TransactionsCancelled');
  // AWS's poller makes one ReceiveMessage and one DeleteMessageBatch per batch it hands to Lambda (empty polls not counted).
  const sqsRequests = sqs.calls + 2 * processInvocations;
  const sqsBilled = sqs.billed * 2 + processInvocations;
  // Pre-reads are eventually consistent BatchGetItems: 0.5 RRU per key read, the bench's items being under 4 KB.
  const readUnits = 0.5 * sum('PreReadKeys');
  if (sum('PreReads') > 0 && sum('PreReadKeys') === 0)
    console.error('[bench] these functions do not report PreReadKeys: read units are left out of the cost');
  const cost = costPerMillion({
    events: accepted,
    apiRequests: publishInvocations,
    lambdaInvocations: publishInvocations + processInvocations,
    lambdaSeconds: sum('BatchDuration') / 1000 + (percentile(load.latenciesMs, 50) / 1000) * publishInvocations,
    sqsBilledRequests: sqsBilled,
    writeUnits: sum('WriteUnits'),
    readUnits,
  });
  return {
    exact,
    events: accepted,
    seconds: round(seconds, 1),
    events_per_s: round(accepted / seconds, 1),
    /** The consumer's rate once publishing is over, when it has the machine to itself. */
    drain_only_events_per_s: finishedAt > publishedAt ? round(handledAfterPublish / ((finishedAt - publishedAt) / 1000), 1) : null,
    cpu_seconds_per_1000_events: cpu,
    functions_cpu_per_1000_events: round(pipelineFunctionsCpu(cpu), 3),
    /** The pipeline's functions' CPU over the emulator's, in the same run (issue 24's target: at most 0.5). */
    functions_cpu_share_of_emulator: cpu.emulator ? round(pipelineFunctionsCpu(cpu) / cpu.emulator, 3) : null,
    publish_events_per_s: round(accepted / (load.durationMs / 1000), 1),
    publish_p50_ms: round(percentile(load.latenciesMs, 50), 1),
    publish_p95_ms: round(percentile(load.latenciesMs, 95), 1),
    publish_p99_ms: round(percentile(load.latenciesMs, 99), 1),
    /** The same requests timed inside the publish function (its access-log lines): what publish's own code takes. */
    publish_handler_p50_ms: round(percentile(insidePublish, 50), 1),
    publish_handler_p99_ms: round(percentile(insidePublish, 99), 1),
    wru_per_event: round(sum('WriteUnits') / accepted, 3),
    wru_per_event_reported_by_emulator: round(sum('WriteUnitsReported') / accepted, 3),
    usd_per_million: round(cost.total, 3),
    usd_per_million_by_service: Object.fromEntries(Object.entries(cost.byService).map(([k, v]) => [k, round(v, 4)])),
    requests_per_1000_events: {
      api_gateway: perThousand(publishInvocations),
      sqs: perThousand(sqsRequests),
      sqs_billed_64kb_units: perThousand(sqsBilled),
      lambda_invocations: perThousand(publishInvocations + processInvocations),
      dynamodb: perThousand(dynamoRequests),
    },
    detail: {
      sqs_messages: sqs.messages,
      process_invocations: processInvocations,
      transactions: sum('TransactionsCommitted'),
      cancelled_transactions: sum('TransactionsCancelled'),
      pre_reads: sum('PreReads'),
      messages_not_started: sum('MessagesNotStarted'),
      messages_failed: sum('MessagesFailed'),
      /** Why each failed message failed, from its log line: a failure costs a visibility timeout unless it was released. */
      failure_reasons: failures,
      messages_released: sum('MessagesReleased'),
      replayed: load.replayed,
      mismatches: drain.mismatches,
    },
  };
}
