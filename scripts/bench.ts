// `npm run bench`: the seeds' workload through the naive baseline and the default configuration,
// each run on a freshly started emulator, with the emulator's own ceiling and the no-op API hop
// measured in the same run. Every run must converge exactly: a fast wrong answer is a failure.

import { z } from 'zod';
import { apiTargetOf } from './lib/api-client.ts';
import { clientsFor, triggerConcurrency } from './lib/aws.ts';
import { emulatorCeiling, meanCeiling } from './lib/bench/ceiling.ts';
import { type ConfigName, configs } from './lib/bench/configs.ts';
import { mayRestartEmulator, restartEmulator, stopTtlReaper } from './lib/bench/emulator.ts';
import { measureNoOpHop } from './lib/bench/hop.ts';
import { idempotencyWriteUnits } from './lib/bench/idempotency-cost.ts';
import { configSummary, printReport, type RunOfDefault, relativeFigures, targets } from './lib/bench/report.ts';
import { measureRun, type RunFigures, type Shape, waitForEmptyQueue, warmUp } from './lib/bench/run.ts';
import { soak } from './lib/bench/soak.ts';
import { bundleSizes, machine } from './lib/bench/system.ts';
import { parseCli } from './lib/cli.ts';
import { deployLocal } from './lib/deploy-local.ts';
import { clearWorkerProfiles, topOf, workerProfiles } from './lib/profile/top.ts';
import { type Protocol, protocols } from './lib/protocol-requests.ts';

const usage = `usage: npm run bench -- [options]
  --events N          events per run (default 20000)
  --dup-ratio R       share of duplicates (default 0.3)
  --topics N          topics (default 8)
  --batch N           events per request (default 100)
  --concurrency N     publishing clients (default 16)
  --runs N            runs of each configuration; medians and spreads are reported (default 3)
  --only-default      skip the baseline configuration
  --idempotency-keys  also run the default configuration once with an Idempotency-Key on every request
  --reuse-emulator    keep the running emulator and its data between runs (default: restart it per run)
  --emulator-ttl      leave DynamoDB TTL on in the emulator (default: off, since its reaper stalls every call; see docs/BENCHMARKS.md)
  --protocol P        also run the default configuration with the requests in a shipper's protocol
                      (otlp, loki, elastic, splunk; a comma list, or all), beside the native publish
  --cpu-profile       profile the functions' workers over each measured run of the default configuration
                      (node --import scripts/lib/profile/worker-profiler.ts) and print the top of each
                      function's profile; the profiler's own cost makes that run's figures higher
  --soak N            instead: push N events through the default configuration, reporting every 100,000
  --json              print the report as JSON on stdout`;

const optionsSchema = z.object({
  events: z.coerce.number().int().min(100).max(1_000_000).default(20_000),
  'dup-ratio': z.coerce.number().min(0).max(0.95).default(0.3),
  topics: z.coerce.number().int().min(1).max(1_000_000).default(8),
  batch: z.coerce.number().int().min(1).max(5000).default(100),
  concurrency: z.coerce.number().int().min(1).max(256).default(16),
  runs: z.coerce.number().int().min(1).max(20).default(3),
  'only-default': z.boolean().default(false),
  'idempotency-keys': z.boolean().default(false),
  protocol: z
    .string()
    .transform((list) => (list === 'all' ? protocols.filter((p) => p !== 'native') : list.split(',')))
    .pipe(z.array(z.enum(['otlp', 'loki', 'elastic', 'splunk'])))
    .default([]),
  'reuse-emulator': z.boolean().default(false),
  'emulator-ttl': z.boolean().default(false),
  soak: z.coerce.number().int().min(1).max(10_000_000).optional(),
  'cpu-profile': z.boolean().default(false),
  json: z.boolean().default(false),
});
const options = parseCli(optionsSchema, usage);
const shape: Shape = {
  events: options.events,
  duplicateRatio: options['dup-ratio'],
  topics: options.topics,
  batchSize: options.batch,
  payloadBytes: 64,
  seed: 1,
};
const log = (line: string) => {
  if (!options.json) console.error(line);
};
/**
 * Measured: a publish worker's CPU per request falls steeply over its first ten or so invocations,
 * then slowly over hundreds (docs/BENCHMARKS.md). Every run of the default code is warmed so (never
 * with more events than the run itself); the naive baseline keeps a
 * one-request warm-up (at one event per transaction a full one would take minutes).
 */
const warmRequestsPerWorker = 15;
const workerProfiler = new URL('./lib/profile/worker-profiler.ts', import.meta.url).pathname;
const freshEmulator = !options['reuse-emulator'] && (await mayRestartEmulator());

/** Deploys a configuration (on a fresh emulator unless told otherwise) and warms its functions. */
async function prepare(config: ConfigName) {
  if (freshEmulator) restartEmulator();
  log(`== ${config}: deploying ${JSON.stringify(configs[config])}`);
  // The no-op hop is timed on the fallback route, which every stage throttles per route (10
  // requests/s): the benchmark's own deployment lifts that one limit.
  const stack = deployLocal('off', {
    ...configs[config],
    IDEMLOG_API_OPEN_RATE: '100000',
    IDEMLOG_API_OPEN_BURST: '100000',
    // The profiler maps frames through the bundles' source maps, which are shipped but not enabled.
    ...(options['cpu-profile'] ? { IDEMLOG_SOURCE_MAPS: 'true', IDEMLOG_NODE_OPTIONS: `--import=${workerProfiler}` } : {}),
  });
  if (!options['emulator-ttl']) await stopTtlReaper(stack);
  await waitForEmptyQueue(apiTargetOf(stack));
  return stack;
}

async function runBaseline(): Promise<RunFigures> {
  const stack = await prepare('baseline');
  await warmUp(apiTargetOf(stack), shape, options.concurrency);
  return measureRun(stack, configs.baseline, shape, { concurrency: options.concurrency });
}

/**
 * The emulator slows as its tables fill (measured: 3,400 then 2,500 events/s over six ceilings of
 * 20,000 events in a row), so the ceiling is measured just before and just after the pipeline run
 * and their mean taken: both bracket the table size the pipeline saw.
 */
async function runDefault(): Promise<RunOfDefault> {
  const stack = await prepare('default');
  const parallel = await triggerConcurrency(clientsFor(stack).lambda, stack.processFunction);
  // Warmed first, so that the two ceilings bracket the table sizes the measured run meets.
  const warm = await warmUp(apiTargetOf(stack), shape, options.concurrency, warmRequestsPerWorker);
  const before = await emulatorCeiling(stack, shape, parallel);
  const hop = await measureNoOpHop(apiTargetOf(stack), options.concurrency, 2000);
  const figures = await measureRun(stack, configs.default, shape, {
    concurrency: options.concurrency,
    profileWorkers: options['cpu-profile'],
  });
  const after = await emulatorCeiling(stack, shape, parallel);
  return { figures, ceiling: meanCeiling(before, after), hop, warmUp: warm };
}

/** The default configuration with an Idempotency-Key on every request, and what the keys cost in write units. */
async function runWithIdempotencyKeys() {
  const stack = await prepare('default');
  await warmUp(apiTargetOf(stack), shape, options.concurrency, warmRequestsPerWorker);
  const figures = await measureRun(stack, configs.default, shape, { concurrency: options.concurrency, idempotencyKeys: true });
  return {
    exact: figures.exact,
    events_per_s: figures.events_per_s,
    publish_p99_ms: figures.publish_p99_ms,
    ...(await idempotencyWriteUnits(stack)),
  };
}

/** The default configuration with every request in a shipper's protocol (scripts/lib/protocol-requests.ts). */
async function runWithProtocol(protocol: Protocol) {
  const stack = await prepare('default');
  await warmUp(apiTargetOf(stack), shape, options.concurrency, warmRequestsPerWorker);
  const figures = await measureRun(stack, configs.default, shape, { concurrency: options.concurrency, protocol });
  return { exact: figures.exact, events_per_s: figures.events_per_s, publish_p99_ms: figures.publish_p99_ms };
}

async function main() {
  if (!freshEmulator) log('another emulator answers on the endpoint, or --reuse-emulator: runs share it and its data');
  if (options.soak) {
    const stack = await prepare('default');
    await warmUp(apiTargetOf(stack), shape, options.concurrency);
    const segments = await soak(stack, configs.default, shape, options.soak, options.concurrency, log);
    if (options.json) console.log(JSON.stringify({ machine: machine(), workload: shape, soak: segments }, null, 2));
    process.exit(segments.every((segment) => segment.exact) ? 0 : 1);
  }
  const baselineRuns: RunFigures[] = [];
  const defaultRuns: RunOfDefault[] = [];
  const protocolRuns: Array<{
    protocol: Protocol;
    run: number;
    exact: boolean;
    events_per_s: number;
    publish_p99_ms: number;
    native_events_per_s: number;
  }> = [];
  if (options['cpu-profile']) clearWorkerProfiles();
  for (let run = 1; run <= options.runs; run++) {
    log(`\n## run ${run} of ${options.runs}`);
    if (!options['only-default']) baselineRuns.push(await runBaseline());
    const native = await runDefault();
    defaultRuns.push(native);
    for (const protocol of options.protocol) {
      log(`== ${protocol}: the default configuration, every request in ${protocol}`);
      protocolRuns.push({ protocol, run, ...(await runWithProtocol(protocol)), native_events_per_s: native.figures.events_per_s });
    }
  }
  const protocolsSummary = summariseProtocols(protocolRuns);
  const idempotency = options['idempotency-keys'] ? await runWithIdempotencyKeys() : undefined;
  const defaults = configSummary(defaultRuns.map((run) => run.figures));
  const baseline = baselineRuns.length ? configSummary(baselineRuns) : undefined;
  const relative = relativeFigures(defaultRuns);
  const report = {
    machine: machine(),
    workload: { ...shape, concurrency: options.concurrency },
    runs: options.runs,
    fresh_emulator_per_run: freshEmulator,
    emulator_ttl: options['emulator-ttl'],
    wru_method:
      'wru_per_event is computed from item sizes by AWS rules (transactional write 2 units per started KB per item, +1 per started KB per GSI copy; cancelled transactions counted as free); wru_per_event_reported_by_emulator is what the emulator returned in ConsumedCapacity',
    baseline,
    default: defaults,
    ...relative,
    targets: targets(defaults, relative),
    idempotency_keys: idempotency,
    ...(protocolRuns.length ? { protocols: protocolsSummary } : {}),
    bundles: bundleSizes(),
  };
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else
    printReport({
      title: `idemlog benchmark: ${shape.events} events, ${shape.duplicateRatio * 100} % duplicates, ${shape.topics} topics, ${shape.batchSize}-event requests, ${options.concurrency} clients`,
      machine: report.machine,
      runs: options.runs,
      configs: { baseline, default: defaults },
      relative,
      targets: report.targets,
      idempotency,
      bundles: report.bundles,
    });
  if (!options.json && protocolRuns.length) {
    console.log(
      "\nshippers' protocols (the default configuration, each request in the protocol; ratio to the native publish of the same run)",
    );
    for (const [protocol, summary] of Object.entries(protocolsSummary))
      console.log(
        `  ${protocol.padEnd(8)} ${summary.events_per_s} events/s (native ${summary.native_events_per_s}), ratio ${summary.ratio_to_native} (runs ${summary.ratios.join(', ')}), publish p99 ${summary.publish_p99_ms} ms, exact ${summary.exact}`,
      );
  }
  if (options['cpu-profile']) printWorkerProfiles();
  const exact = defaults.exact && (baseline?.exact ?? true) && (idempotency?.exact ?? true) && protocolRuns.every((run) => run.exact);
  process.exit(exact ? 0 : 1);
}

/** The top of each function's profile over the measured runs, on stderr. */
function printWorkerProfiles(): void {
  for (const [name, profiles] of workerProfiles()) {
    console.error(`\ntop of ${name}'s profile over the measured runs (${profiles.length} workers; self time, grouped):`);
    for (const [where, share] of topOf(profiles, 20)) console.error(`  ${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
  }
}

/** Medians per protocol; each run's ratio is to the native publish measured in the same run. */
function summariseProtocols(
  runs: Array<{ protocol: Protocol; exact: boolean; events_per_s: number; publish_p99_ms: number; native_events_per_s: number }>,
) {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  const round = (n: number, digits = 2) => Number(n.toFixed(digits));
  const byProtocol = Map.groupBy(runs, (run) => run.protocol);
  return Object.fromEntries(
    [...byProtocol].map(([protocol, list]) => {
      const ratios = list.map((run) => round(run.events_per_s / run.native_events_per_s));
      return [
        protocol,
        {
          events_per_s: Math.round(median(list.map((run) => run.events_per_s))),
          native_events_per_s: Math.round(median(list.map((run) => run.native_events_per_s))),
          ratio_to_native: median(ratios),
          ratios,
          publish_p99_ms: Math.round(median(list.map((run) => run.publish_p99_ms))),
          exact: list.every((run) => run.exact),
        },
      ];
    }),
  );
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
