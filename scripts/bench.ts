// `npm run bench`: the seeds' workload through the naive baseline and the default configuration on
// the same emulator, side by side, with the emulator's own ceiling for the same DynamoDB writes.
// Every run checks that the counts converged exactly: a fast wrong answer is a failure.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedger } from '../functions/adapters/dynamo-ledger.ts';
import { batchesOf } from '../functions/adapters/sqs-queue.ts';
import { consumeMessage } from '../functions/domain/consume.ts';
import { packEvents } from '../functions/domain/envelope.ts';
import { eventSchema } from '../functions/domain/event.ts';
import { type ApiTarget, apiTargetOf } from './lib/api-client.ts';
import { clientsFor, invocationMetrics } from './lib/aws.ts';
import { expectedFrom, fetchStats, snapshot, topicsOf, waitForConvergence } from './lib/convergence.ts';
import { deployLocal } from './lib/deploy-local.ts';
import { percentile, runLoad } from './lib/load.ts';
import { clientOptions, projectRoot, type StackInfo } from './lib/stack.ts';
import { buildWorkload, type WorkloadEvent } from './lib/workload.ts';

/** AWS us-east-1 list prices (on-demand), as published by AWS and known to this project on PRICES_DATE. */
const PRICES_DATE = '2026-11-22';
const PRICES = {
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaGbSecond: 0.0000166667,
  sqsRequestsPerMillion: 0.4,
  dynamoWriteUnitsPerMillion: 0.625,
  dynamoReadUnitsPerMillion: 0.125,
};
const LAMBDA_MEMORY_GB = 0.25;

type Settings = Record<
  'IDEMLOG_EVENTS_PER_MESSAGE' | 'IDEMLOG_EVENTS_PER_TRANSACTION' | 'IDEMLOG_COUNTER_SHARDS' | 'IDEMLOG_PEEK_BEFORE_WRITE',
  string
>;
const CONFIGS: Record<'baseline' | 'default', Settings> = {
  baseline: {
    IDEMLOG_EVENTS_PER_MESSAGE: '1',
    IDEMLOG_EVENTS_PER_TRANSACTION: '1',
    IDEMLOG_COUNTER_SHARDS: '1',
    IDEMLOG_PEEK_BEFORE_WRITE: 'off',
  },
  default: {
    IDEMLOG_EVENTS_PER_MESSAGE: '100',
    IDEMLOG_EVENTS_PER_TRANSACTION: '95',
    IDEMLOG_COUNTER_SHARDS: '8',
    IDEMLOG_PEEK_BEFORE_WRITE: 'on',
  },
};

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    'dup-ratio': { type: 'string', default: '0.3' },
    topics: { type: 'string', default: '8' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
    scaling: { type: 'boolean', default: false },
    'only-default': { type: 'boolean', default: false },
  },
});
const workloadShape = {
  events: Number(args.events),
  duplicateRatio: Number(args['dup-ratio']),
  topics: Number(args.topics),
  batchSize: Number(args.batch),
  payloadBytes: 64,
  seed: 1,
};
const concurrency = Number(args.concurrency);
const log = (text: string) => {
  if (!args.json) console.error(text);
};
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function waitForEmptyQueue(api: ApiTarget) {
  for (let i = 0; i < 600; i++) {
    const { queue } = await fetchStats(api);
    if (queue.visible + queue.in_flight === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the queue did not empty before the run');
}

/** SQS bills each 64 KB of a request's payload as one request. */
const sqsBilledUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 65536));

function sqsSendFigures(accepted: WorkloadEvent[][], settings: Settings) {
  let calls = 0;
  let billed = 0;
  let messages = 0;
  for (const request of accepted) {
    const packed = packEvents(
      request.map((e) => eventSchema.parse(e)),
      {
        requestId: '00000000-0000-0000-0000-000000000000',
        eventsPerMessage: Number(settings.IDEMLOG_EVENTS_PER_MESSAGE),
        eventsPerTransaction: Number(settings.IDEMLOG_EVENTS_PER_TRANSACTION),
      },
    );
    messages += packed.length;
    for (const batch of batchesOf(packed)) {
      calls++;
      billed += sqsBilledUnits(batch.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0));
    }
  }
  return { calls, billed, messages };
}

/** A deploy leaves every function cold; warm as many publish and process workers as the run will use. */
async function warmUp(api: ApiTarget) {
  const warm = buildWorkload({ ...workloadShape, events: concurrency * 10, batchSize: 10, runId: `warm${randomBytes(3).toString('hex')}` });
  await runLoad(warm.requests, { api, concurrency });
  await waitForEmptyQueue(api);
}

async function runConfig(name: 'baseline' | 'default', events: number) {
  log(`\n== ${name}: deploying ${JSON.stringify(CONFIGS[name])}`);
  const stack = deployLocal('off', CONFIGS[name]);
  await waitForEmptyQueue(apiTargetOf(stack));
  await warmUp(apiTargetOf(stack));
  const workload = buildWorkload({ ...workloadShape, events, runId: randomBytes(4).toString('hex') });
  const since = Date.now() - 1000;
  const before = await snapshot(apiTargetOf(stack), topicsOf(workload.requests));
  log(`   publishing ${workload.total} events in ${workload.requests.length} requests with ${concurrency} clients`);
  const started = performance.now();
  const load = await runLoad(workload.requests, { api: apiTargetOf(stack), concurrency });
  const expected = expectedFrom(load.accepted);
  const drain = await waitForConvergence(apiTargetOf(stack), before, expected, { timeoutMs: 1_200_000, intervalMs: 200 });
  const seconds = (performance.now() - started) / 1000;
  const accepted = load.accepted.length;
  const exact = drain.converged && load.ambiguous === 0 && load.abandoned === 0;
  log(`   ${exact ? 'EXACT' : `NOT EXACT: ${drain.mismatches.join('; ')}`} in ${round(seconds, 1)} s`);

  const batches = await invocationMetrics(clientsFor(stack).logs, stack.processFunction, since);
  const sum = (key: keyof (typeof batches)[number]) => batches.reduce((total, b) => total + Number(b[key] ?? 0), 0);
  const sqs = sqsSendFigures(workload.requests, CONFIGS[name]);
  const perThousand = (count: number) => round((count / accepted) * 1000, 1);
  const processInvocations = batches.length;
  const publishInvocations = load.attempts;
  const dynamoRequests = sum('PreReads') + sum('TransactionsCommitted') + sum('TransactionsCancelled');
  // AWS's poller makes one ReceiveMessage and one DeleteMessageBatch per batch it hands to Lambda (empty polls not counted).
  const sqsRequests = sqs.calls + 2 * processInvocations;
  const sqsBilled = sqs.billed * 2 + processInvocations;
  const wruRule = sum('WriteUnits');
  const wruReported = sum('WriteUnitsReported');
  // Pre-reads are eventually consistent BatchGetItems of ~1 key per event plus the marker: 0.5 RRU each.
  const rru = sum('PreReads') > 0 ? 0.5 * (accepted + sum('PreReads')) : 0;
  const processSeconds = sum('BatchDuration') / 1000;
  const publishSeconds = (percentile(load.latenciesMs, 50) / 1000) * publishInvocations;
  const perMillion = 1_000_000 / accepted;
  const cost = {
    api_gateway: (publishInvocations * perMillion * PRICES.apiGatewayRestPerMillion) / 1e6,
    lambda:
      ((publishInvocations + processInvocations) * perMillion * PRICES.lambdaRequestsPerMillion) / 1e6 +
      (publishSeconds + processSeconds) * perMillion * LAMBDA_MEMORY_GB * PRICES.lambdaGbSecond,
    sqs: (sqsBilled * perMillion * PRICES.sqsRequestsPerMillion) / 1e6,
    dynamodb: (wruRule * perMillion * PRICES.dynamoWriteUnitsPerMillion + rru * perMillion * PRICES.dynamoReadUnitsPerMillion) / 1e6,
  };
  const usdPerMillion = cost.api_gateway + cost.lambda + cost.sqs + cost.dynamodb;
  return {
    exact,
    events: accepted,
    seconds: round(seconds, 1),
    events_per_s: round(accepted / seconds, 1),
    publish_events_per_s: round(accepted / (load.durationMs / 1000), 1),
    publish_p50_ms: round(percentile(load.latenciesMs, 50), 1),
    publish_p95_ms: round(percentile(load.latenciesMs, 95), 1),
    publish_p99_ms: round(percentile(load.latenciesMs, 99), 1),
    wru_per_event: round(wruRule / accepted, 3),
    wru_per_event_reported_by_emulator: round(wruReported / accepted, 3),
    usd_per_million: round(usdPerMillion, 3),
    usd_per_million_by_service: Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round(v, 4)])),
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
      mismatches: drain.mismatches,
    },
  };
}

/** The same transactions sent straight from here to the emulator: no API, no SQS, no Lambda. */
async function emulatorCeiling(stack: StackInfo, events: number) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(stack)));
  const ledger = new DynamoDbLedger(client, { eventsTable: stack.eventsTable, ledgerTable: stack.ledgerTable, retentionDays: 0 });
  const workload = buildWorkload({ ...workloadShape, events, runId: randomBytes(4).toString('hex') });
  const bodies = workload.requests.flatMap((request, i) =>
    packEvents(
      request.map((e) => eventSchema.parse(e)),
      { requestId: `ceiling-${i}-${Date.now()}`, eventsPerMessage: 100, eventsPerTransaction: 95 },
    ).map((m) => m.body),
  );
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < bodies.length) await consumeMessage(bodies[next++]!, 'ceiling', ledger, { counterShards: 8 });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { events: workload.total, seconds: round(seconds, 1), events_per_s: round(workload.total / seconds, 1) };
}

function bundleSizes() {
  const dir = join(projectRoot, '.serverless');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.zip'))
      .map((file) => [file.replace(/\.zip$/, ''), `${round(statSync(join(dir, file)).size / 1024, 1)} KiB zipped`]),
  );
}

function rssMiB(pid: number | undefined) {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
  } catch {
    return null;
  }
}

async function main() {
  const baseline = args['only-default'] ? undefined : await runConfig('baseline', workloadShape.events);
  const defaults = await runConfig('default', workloadShape.events);
  const stack = deployLocal('off', CONFIGS.default);
  log('\n== emulator ceiling: the same transactions sent directly, 4 at a time');
  const ceiling = await emulatorCeiling(stack, workloadShape.events);
  const emulatorPid = (() => {
    try {
      return Number(readFileSync(join(projectRoot, '.idemlog/emulator.pid'), 'utf8'));
    } catch {
      return undefined;
    }
  })();
  const scaling = [];
  if (args.scaling) {
    for (const events of [2000, 20_000, 100_000]) {
      log(`\n== scaling: ${events} events`);
      const run = await runConfig('default', events);
      scaling.push({
        events,
        seconds: run.seconds,
        events_per_s: run.events_per_s,
        exact: run.exact,
        emulator_rss_mib: rssMiB(emulatorPid),
        bench_rss_mib: round(process.memoryUsage().rss / 1048576, 1),
      });
    }
  }
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? round(a / b, 2) : null);
  const report: Report = {
    machine: `${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores, Node ${process.version}`,
    workload: { ...workloadShape, concurrency },
    prices: { date: PRICES_DATE, region: 'us-east-1', ...PRICES, lambda_memory_gb: LAMBDA_MEMORY_GB },
    wru_method:
      'wru_per_event is computed from item sizes by AWS rules (transactional write 2 units per started KB per item, +1 per started KB for the by-time GSI; cancelled transactions counted as free); wru_per_event_reported_by_emulator is what the emulator returned in ConsumedCapacity',
    baseline,
    default: defaults,
    ratio_default_over_baseline: baseline
      ? {
          events_per_s: ratio(defaults.events_per_s, baseline.events_per_s),
          wru_per_event: ratio(defaults.wru_per_event, baseline.wru_per_event),
          usd_per_million: ratio(defaults.usd_per_million, baseline.usd_per_million),
          publish_p99_ms: ratio(defaults.publish_p99_ms, baseline.publish_p99_ms),
        }
      : null,
    emulator_ceiling: { ...ceiling, pipeline_share: ratio(defaults.events_per_s, ceiling.events_per_s) },
    bundles: bundleSizes(),
    scaling: args.scaling ? scaling : 'run with --scaling',
  };
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
  process.exit(defaults.exact && (baseline?.exact ?? true) ? 0 : 1);
}

type ConfigRun = Awaited<ReturnType<typeof runConfig>>;
interface Report {
  machine: string;
  workload: typeof workloadShape & { concurrency: number };
  prices: { date: string; region: string } & typeof PRICES & { lambda_memory_gb: number };
  wru_method: string;
  baseline: ConfigRun | undefined;
  default: ConfigRun;
  ratio_default_over_baseline: Record<string, number | null> | null;
  emulator_ceiling: Awaited<ReturnType<typeof emulatorCeiling>> & { pipeline_share: number | null };
  bundles: Record<string, string>;
  scaling: unknown;
}

function printTable(report: Report) {
  const rows: Array<[string, (r: ConfigRun) => unknown]> = [
    ['exact counts', (r) => r.exact],
    ['end to end events/s', (r) => r.events_per_s],
    ['publish events/s', (r) => r.publish_events_per_s],
    ['publish p50 / p95 / p99 ms', (r) => `${r.publish_p50_ms} / ${r.publish_p95_ms} / ${r.publish_p99_ms}`],
    ['DynamoDB WRU/event (AWS rules)', (r) => r.wru_per_event],
    ['DynamoDB WRU/event (emulator)', (r) => r.wru_per_event_reported_by_emulator],
    ['USD per million events', (r) => r.usd_per_million],
    ['  of which API / Lambda / SQS / DynamoDB', (r) => Object.values(r.usd_per_million_by_service).join(' / ')],
    ['API Gateway requests /1000 ev', (r) => r.requests_per_1000_events.api_gateway],
    ['SQS requests /1000 ev', (r) => `${r.requests_per_1000_events.sqs} (${r.requests_per_1000_events.sqs_billed_64kb_units} billed)`],
    ['Lambda invocations /1000 ev', (r) => r.requests_per_1000_events.lambda_invocations],
    ['DynamoDB requests /1000 ev', (r) => r.requests_per_1000_events.dynamodb],
  ];
  const width = 42;
  console.log(
    `\nidemlog benchmark: ${report.workload.events} events, ${report.workload.duplicateRatio * 100} % duplicates, ${report.workload.topics} topics, ${report.workload.batchSize}-event requests, ${report.workload.concurrency} clients`,
  );
  console.log(`machine: ${report.machine}\n`);
  console.log(`${''.padEnd(width)}${'baseline'.padEnd(22)}${'default'.padEnd(22)}default/baseline`);
  for (const [label, pick] of rows) {
    const b = report.baseline ? String(pick(report.baseline)) : '-';
    const d = String(pick(report.default));
    const ratio =
      report.baseline && typeof pick(report.default) === 'number'
        ? String(round(Number(pick(report.default)) / Number(pick(report.baseline)), 2))
        : '';
    console.log(`${label.padEnd(width)}${b.padEnd(22)}${d.padEnd(22)}${ratio}`);
  }
  console.log(
    `\nemulator ceiling (same transactions, direct, no Lambda): ${report.emulator_ceiling.events_per_s} events/s; the pipeline reaches ${round((report.emulator_ceiling.pipeline_share ?? 0) * 100, 0)} % of it`,
  );
  console.log(
    `prices: AWS ${report.prices.region} list prices known on ${report.prices.date}: API Gateway REST $${PRICES.apiGatewayRestPerMillion}/M, Lambda $${PRICES.lambdaRequestsPerMillion}/M + $${PRICES.lambdaGbSecond}/GB-s at ${LAMBDA_MEMORY_GB} GB, SQS $${PRICES.sqsRequestsPerMillion}/M (64 KB units), DynamoDB on-demand $${PRICES.dynamoWriteUnitsPerMillion}/M WRU, $${PRICES.dynamoReadUnitsPerMillion}/M RRU`,
  );
  console.log(`write units: ${report.wru_method}`);
  console.log(
    `bundles: ${Object.entries(report.bundles)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (Array.isArray(report.scaling))
    for (const s of report.scaling)
      console.log(
        `scaling ${s.events}: ${s.seconds} s, ${s.events_per_s} events/s, exact ${s.exact}, emulator RSS ${s.emulator_rss_mib} MiB, bench RSS ${s.bench_rss_mib} MiB`,
      );
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
