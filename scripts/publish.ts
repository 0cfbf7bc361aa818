// The publisher: floods idemlog with a reproducible workload of events and duplicates, then checks
// that /stats converged to exactly what was accepted. `npm run publish -- --help` lists the options.

import { randomBytes } from 'node:crypto';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import type { ApiTarget } from './lib/api-client.ts';
import { parseCli } from './lib/cli.ts';
import { expectedFrom, snapshot, topicsOf, waitForConvergence } from './lib/convergence.ts';
import { percentile, runLoad } from './lib/load.ts';
import { readStack } from './lib/stack.ts';
import { buildWorkload } from './lib/workload.ts';

const usage = `usage: npm run publish -- [options]
  --events N          events in all (default 20000)
  --dup-ratio R       share of events that repeat an earlier one, 0..0.95 (default 0.3)
  --topics N          topics, events spread round-robin over them (default 8)
  --batch N           events per request, 1..5000 (default 100)
  --concurrency N     clients sending at once (default 16)
  --rate N            target events per second (default: as fast as possible)
  --payload-bytes N   approximate payload size per event (default 64)
  --seed N            workload seed, for reproducible runs (default 1)
  --url URL           API base URL (default: the running stack's, from .idemlog/stack.json)
  --api-key KEY       the x-api-key to send (default: the running stack's key)
  --idempotency-keys  send an Idempotency-Key with each request, so a retry after an unknown outcome never counts twice
  --drain-timeout S   seconds to wait for the pipeline to drain (default 300)
  --json              print the summary as JSON, no progress bars`;

const optionsSchema = z.object({
  events: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  'dup-ratio': z.coerce.number().min(0).max(0.95).default(0.3),
  topics: z.coerce.number().int().min(1).max(1_000_000).default(8),
  batch: z.coerce.number().int().min(1).max(5000).default(100),
  concurrency: z.coerce.number().int().min(1).max(256).default(16),
  rate: z.coerce.number().positive().optional(),
  'payload-bytes': z.coerce.number().int().min(0).max(150_000).default(64),
  seed: z.coerce.number().int().min(0).default(1),
  url: z.url().optional(),
  'api-key': z.string().min(1).optional(),
  'idempotency-keys': z.boolean().default(false),
  'drain-timeout': z.coerce.number().positive().default(300),
  json: z.boolean().default(false),
});

/** Inside docker compose the emulator is a service name, not 127.0.0.1:4566. */
function withEmulatorHost(apiUrl: string): string {
  const host = process.env.IDEMLOG_EMULATOR_HOST;
  if (!host) return apiUrl;
  const url = new URL(apiUrl);
  url.host = host;
  return url.toString().replace(/\/$/, '');
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main() {
  const options = parseCli(optionsSchema, usage);
  const stack = options.url && options['api-key'] ? undefined : readStack();
  const api: ApiTarget = { url: options.url ?? withEmulatorHost(stack!.apiUrl), key: options['api-key'] ?? stack!.apiKey };
  const showBars = !options.json && process.stderr.isTTY;
  const workload = buildWorkload({
    events: options.events,
    duplicateRatio: options['dup-ratio'],
    topics: options.topics,
    batchSize: options.batch,
    payloadBytes: options['payload-bytes'],
    seed: options.seed,
    runId: randomBytes(4).toString('hex'),
  });
  const before = await snapshot(api, topicsOf(workload.requests));
  if (!options.json) {
    console.error(
      `publishing ${workload.total} events (${workload.distinct} distinct) in ${workload.requests.length} requests to ${api.url}`,
    );
  }

  const sendBar = new cliProgress.SingleBar(
    { format: 'publish  {bar} {value}/{total} events | {duration}s', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  if (showBars) sendBar.start(workload.total, 0);
  const load = await runLoad(workload.requests, {
    api,
    idempotencyKeys: options['idempotency-keys'],
    concurrency: options.concurrency,
    rate: options.rate,
    onProgress: (done) => showBars && sendBar.update(done),
  });
  if (showBars) sendBar.stop();

  const expected = expectedFrom(load.accepted);
  const drainBar = new cliProgress.SingleBar(
    { format: 'process  {bar} {value}/{total} events | {duration}s', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  if (showBars) drainBar.start(expected.received, 0);
  const drain = await waitForConvergence(api, before, expected, {
    timeoutMs: options['drain-timeout'] * 1000,
    onProgress: (received) => showBars && drainBar.update(Math.min(received, expected.received)),
  });
  if (showBars) drainBar.stop();

  const totalMs = load.durationMs + drain.drainMs;
  const summary = {
    exact: drain.converged && load.ambiguous === 0,
    sent: {
      events: workload.total,
      distinct: workload.distinct,
      requests: load.requests,
      attempts: load.attempts,
      duplicates: workload.kinds,
    },
    accepted: load.accepted.length,
    abandoned: load.abandoned,
    ambiguous: load.ambiguous,
    statuses: load.statuses,
    publish: {
      seconds: round(load.durationMs / 1000, 2),
      events_per_s: round(load.accepted.length / (load.durationMs / 1000)),
      latency_ms: {
        p50: round(percentile(load.latenciesMs, 50)),
        p95: round(percentile(load.latenciesMs, 95)),
        p99: round(percentile(load.latenciesMs, 99)),
      },
    },
    drain: { seconds_after_publish: round(drain.drainMs / 1000, 2), timed_out: drain.timedOut },
    end_to_end: { seconds: round(totalMs / 1000, 2), events_per_s: round(load.accepted.length / (totalMs / 1000)) },
    expected: { received: expected.received, unique_processed: expected.unique_processed, duplicate_dropped: expected.duplicate_dropped },
    observed: {
      received: drain.observed.received,
      unique_processed: drain.observed.unique_processed,
      duplicate_dropped: drain.observed.duplicate_dropped,
    },
    topics_checked: Object.keys(expected.topics).length,
    mismatches: drain.mismatches,
  };

  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else {
    const statusLine = Object.entries(load.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ');
    console.log(`
sent       ${summary.sent.events} events in ${summary.sent.requests} requests (${summary.sent.attempts} attempts), ${summary.sent.distinct} distinct
           duplicates: ${workload.kinds.inBatch} inside a batch, ${workload.kinds.crossBatch} in a later batch, ${workload.kinds.resent} in re-sent requests
answers    ${statusLine}${load.abandoned ? `; abandoned ${load.abandoned} events` : ''}${load.ambiguous ? `; ${load.ambiguous} events in attempts with unknown outcome` : ''}
publish    ${summary.publish.seconds} s, ${summary.publish.events_per_s} events/s; latency p50 ${summary.publish.latency_ms.p50} ms, p95 ${summary.publish.latency_ms.p95} ms, p99 ${summary.publish.latency_ms.p99} ms
drain      ${summary.drain.seconds_after_publish} s after the last publish${drain.timedOut ? ' (TIMED OUT)' : ''}
end to end ${summary.end_to_end.seconds} s, ${summary.end_to_end.events_per_s} events/s
/stats     received ${summary.observed.received}/${summary.expected.received}, unique_processed ${summary.observed.unique_processed}/${summary.expected.unique_processed}, duplicate_dropped ${summary.observed.duplicate_dropped}/${summary.expected.duplicate_dropped} (observed/expected, ${summary.topics_checked} topics checked)
${summary.exact ? 'EXACT: every counter matches what was accepted' : `NOT EXACT:\n  ${[...drain.mismatches, ...(load.ambiguous ? ['some requests had an unknown outcome'] : [])].join('\n  ')}`}`);
  }
  process.exit(summary.exact ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`publisher failed: ${(error as Error).message}`);
  process.exit(1);
});
