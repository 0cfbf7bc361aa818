import type { ConfigName } from './configs.ts';
import { prices } from './cost.ts';
import type { RunFigures } from './run.ts';
import { median, spread, summarise } from './summary.ts';
import { round } from './system.ts';

/** The figures whose median and spread are reported for each configuration. */
const summarised = [
  'events_per_s',
  'drain_only_events_per_s',
  'publish_events_per_s',
  'publish_p50_ms',
  'publish_p95_ms',
  'publish_p99_ms',
  'publish_handler_p50_ms',
  'publish_handler_p99_ms',
  'wru_per_event',
  'wru_per_event_reported_by_emulator',
  'usd_per_million',
  'seconds',
  'functions_cpu_per_1000_events',
  'functions_cpu_share_of_emulator',
] as const;

export interface RunOfDefault {
  figures: RunFigures;
  ceiling: { events_per_s: number; parallel: number; cpu_seconds_per_1000_events: Record<string, number> };
  hop: { p50_ms: number; p99_ms: number };
  warmUp: { requests_per_worker: number; events: number; cpu_seconds_per_1000_events: Record<string, number> };
}

/** One configuration over its runs: the medians under the figures' own names, the rest beside them. */
export function configSummary(runs: RunFigures[]) {
  const stats = summarise(runs, [...summarised]);
  const medians = Object.fromEntries(summarised.map((field) => [field, stats[field]!.median])) as Record<
    (typeof summarised)[number],
    number
  >;
  return {
    ...medians,
    exact: runs.every((run) => run.exact),
    spread: Object.fromEntries(summarised.map((field) => [field, stats[field]!.spread])),
    runs,
  };
}

export type ConfigSummary = ReturnType<typeof configSummary>;

/** The ceiling, the no-op hop and what the code controls: the pipeline's share of the ceiling and publish time above the hop. */
export function relativeFigures(runs: RunOfDefault[]) {
  const shares = runs.map((run) => run.figures.events_per_s / run.ceiling.events_per_s);
  const ceilings = runs.map((run) => run.ceiling.events_per_s);
  const aboveHop = runs.map((run) => run.figures.publish_p99_ms - run.hop.p99_ms);
  return {
    emulator_ceiling: {
      events_per_s: round(median(ceilings), 1),
      pipeline_share: round(median(shares), 3),
      spread: { events_per_s: spread(ceilings), pipeline_share: spread(shares) },
      parallel: runs[0]!.ceiling.parallel,
      runs: ceilings,
      cpu_seconds_per_1000_events_runs: runs.map((run) => run.ceiling.cpu_seconds_per_1000_events),
      pipeline_share_runs: shares.map((share) => round(share, 3)),
    },
    no_op_hop: {
      p50_ms: round(median(runs.map((run) => run.hop.p50_ms)), 1),
      p99_ms: round(median(runs.map((run) => run.hop.p99_ms)), 1),
      runs: runs.map((run) => run.hop),
    },
    publish_p99_above_hop_ms: { median: round(median(aboveHop), 1), runs: aboveHop.map((ms) => round(ms, 1)) },
    warm_up: {
      requests_per_worker: runs[0]!.warmUp.requests_per_worker,
      events: runs[0]!.warmUp.events,
      cpu_seconds_per_1000_events_runs: runs.map((run) => run.warmUp.cpu_seconds_per_1000_events),
    },
  };
}

/** Issue 14's targets, each with the figure it is judged on. */
export function targets(defaults: ConfigSummary, relative: ReturnType<typeof relativeFigures>) {
  const check = (figure: number, target: string, met: boolean) => ({ figure, target, met });
  const worstSpread = Math.max(
    defaults.spread.events_per_s!,
    defaults.spread.publish_p99_ms!,
    relative.emulator_ceiling.spread.pipeline_share,
  );
  return {
    pipeline_share_of_ceiling: check(relative.emulator_ceiling.pipeline_share, '>= 0.85', relative.emulator_ceiling.pipeline_share >= 0.85),
    publish_p99_ms: check(defaults.publish_p99_ms, '< 150', defaults.publish_p99_ms < 150),
    publish_p99_above_hop_ms: check(relative.publish_p99_above_hop_ms.median, '<= 20', relative.publish_p99_above_hop_ms.median <= 20),
    wru_per_event: check(defaults.wru_per_event, '<= 2.3', defaults.wru_per_event <= 2.3),
    usd_per_million: check(defaults.usd_per_million, '<= 1.50', defaults.usd_per_million <= 1.5),
    functions_cpu_share_of_emulator: check(
      defaults.functions_cpu_share_of_emulator,
      '<= 0.5 (issue 24: publish, process and authorizer workers over the emulator, CPU-s in the same run)',
      defaults.functions_cpu_share_of_emulator <= 0.5,
    ),
    worst_spread: check(worstSpread, '<= 0.15 (events/s, publish p99, share of ceiling)', worstSpread <= 0.15),
  };
}

const withSpread = (summary: ConfigSummary, field: (typeof summarised)[number]) =>
  `${summary[field]} (±${round((summary.spread[field] ?? 0) * 50, 1)}%)`;

/** The human-readable report, on stdout. */
export function printReport(report: {
  title: string;
  machine: string;
  runs: number;
  configs: Partial<Record<ConfigName, ConfigSummary>>;
  relative: ReturnType<typeof relativeFigures>;
  targets: ReturnType<typeof targets>;
  idempotency?: unknown;
  bundles: Record<string, string>;
}) {
  const rows: Array<[string, (s: ConfigSummary) => string]> = [
    ['exact counts (every run)', (s) => String(s.exact)],
    ['end to end events/s', (s) => withSpread(s, 'events_per_s')],
    ['consumer alone events/s', (s) => withSpread(s, 'drain_only_events_per_s')],
    ['publish events/s', (s) => withSpread(s, 'publish_events_per_s')],
    ['publish p50 ms', (s) => withSpread(s, 'publish_p50_ms')],
    ['publish p99 ms', (s) => withSpread(s, 'publish_p99_ms')],
    ['  of it inside the function p50/p99', (s) => `${s.publish_handler_p50_ms} / ${s.publish_handler_p99_ms}`],
    ['functions CPU-s /1000 ev', (s) => withSpread(s, 'functions_cpu_per_1000_events')],
    ["  over the emulator's CPU", (s) => withSpread(s, 'functions_cpu_share_of_emulator')],
    ['DynamoDB WRU/event (AWS rules)', (s) => withSpread(s, 'wru_per_event')],
    ['DynamoDB WRU/event (emulator)', (s) => String(s.wru_per_event_reported_by_emulator)],
    ['USD per million events', (s) => withSpread(s, 'usd_per_million')],
    [
      '  API / Lambda / SQS / DynamoDB',
      (s) =>
        Object.values(s.runs[0]!.usd_per_million_by_service)
          .map((usd) => round(usd, 2))
          .join(' / '),
    ],
    ['API requests /1000 ev', (s) => String(s.runs[0]!.requests_per_1000_events.api_gateway)],
    ['SQS requests /1000 ev', (s) => String(s.runs[0]!.requests_per_1000_events.sqs)],
    ['Lambda invocations /1000 ev', (s) => String(s.runs[0]!.requests_per_1000_events.lambda_invocations)],
    ['DynamoDB requests /1000 ev', (s) => String(s.runs[0]!.requests_per_1000_events.dynamodb)],
  ];
  const { baseline, default: defaults } = report.configs;
  console.log(`\n${report.title}\nmachine: ${report.machine}; medians of ${report.runs} runs, (±half the spread)\n`);
  console.log(`${''.padEnd(36)}${'baseline'.padEnd(26)}${'default'.padEnd(26)}default/baseline`);
  for (const [label, pick] of rows) {
    const ratio = baseline && defaults ? round(Number.parseFloat(pick(defaults)) / Number.parseFloat(pick(baseline)), 2) : '';
    console.log(
      `${label.padEnd(35)} ${(baseline ? pick(baseline) : '-').padEnd(25)} ${(defaults ? pick(defaults) : '-').padEnd(25)} ${Number.isFinite(ratio) ? ratio : ''}`,
    );
  }
  const { emulator_ceiling: ceiling, no_op_hop: hop, publish_p99_above_hop_ms: aboveHop } = report.relative;
  console.log(`
emulator ceiling   ${ceiling.events_per_s} events/s (same messages, same consumer code, straight to DynamoDB, ${ceiling.parallel} at a time like the pipeline's batches)
pipeline share     ${round(ceiling.pipeline_share * 100, 1)} % of the ceiling (runs: ${ceiling.pipeline_share_runs.join(', ')})
no-op API hop      p50 ${hop.p50_ms} ms, p99 ${hop.p99_ms} ms (GET of an unknown path: gateway + fallback function)
publish above hop  p99 ${aboveHop.median} ms (runs: ${aboveHop.runs.join(', ')})`);
  const cpuLine = (cpu: Record<string, number>) =>
    Object.entries(cpu)
      .map(([role, seconds]) => `${role} ${seconds}`)
      .join(', ');
  console.log('CPU seconds per 1,000 events (first run; 2 cores give 2 s per second):');
  for (const [name, summary] of Object.entries(report.configs))
    if (summary) console.log(`  ${name.padEnd(9)} ${cpuLine(summary.runs[0]!.cpu_seconds_per_1000_events)}`);
  console.log(`  ceiling   ${cpuLine(ceiling.cpu_seconds_per_1000_events_runs[0]!)}`);
  const warm = report.relative.warm_up;
  console.log(
    `  warm-up   ${cpuLine(warm.cpu_seconds_per_1000_events_runs[0]!)} (${warm.events} events, ${warm.requests_per_worker} requests per publish worker: the workers' first invocations, their start included)`,
  );
  if (report.idempotency) console.log(`idempotency keys   ${JSON.stringify(report.idempotency)}`);
  console.log('\ntargets (issues 14 and 24):');
  for (const [name, target] of Object.entries(report.targets)) {
    console.log(`  ${target.met ? 'met    ' : 'NOT MET'} ${name.padEnd(28)} ${target.figure} (target ${target.target})`);
  }
  console.log(
    `\nprices: AWS ${prices.region} list prices known on ${prices.date}: API Gateway REST $${prices.apiGatewayRestPerMillion}/M, Lambda $${prices.lambdaRequestsPerMillion}/M + $${prices.lambdaGbSecond}/GB-s at ${prices.lambdaMemoryGb} GB, SQS $${prices.sqsRequestsPerMillion}/M (64 KB units), DynamoDB on-demand $${prices.dynamoWriteUnitsPerMillion}/M WRU, $${prices.dynamoReadUnitsPerMillion}/M RRU`,
  );
  console.log(
    `bundles: ${Object.entries(report.bundles)
      .map(([name, size]) => `${name} ${size}`)
      .join(', ')}`,
  );
}
