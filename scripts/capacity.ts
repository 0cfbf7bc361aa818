// `npm run capacity`: replays a workload through the real publish packing and the real consumer
// (DynamoDbLedger, against empty copies of the deployed tables on the emulator), then the real
// /stats and /events reads, and sums every key each call touched, sized by AWS's rules, per
// second of a workload arriving at --rate. Prints the hottest partition key of each table and
// index against AWS's per-key limits (1,000 write units/s, 3,000 read units/s). docs/CAPACITY.md
// explains the arithmetic.

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { z } from 'zod';
import { DynamoDbCounterStore } from '../functions/adapters/dynamo-counters.ts';
import { DynamoDbEventStore } from '../functions/adapters/dynamo-events.ts';
import { DynamoDbLedger } from '../functions/adapters/dynamo-ledger.ts';
import { consumeMessage } from '../functions/domain/consume.ts';
import { packEvents } from '../functions/domain/envelope.ts';
import type { LogEvent } from '../functions/domain/event.ts';
import { parseEventsQuery, readEventsPage } from '../functions/domain/events-page.ts';
import { parseStatsQuery, readStats } from '../functions/domain/stats.ts';
import { faultInjectionOn, functionEnvironment } from './lib/aws.ts';
import { ceilingLines, deploymentCeiling, writeUnitsPerEvent } from './lib/capacity/ceiling.ts';
import { simulateConflicts } from './lib/capacity/conflict-model.ts';
import { KeyRecorder } from './lib/capacity/key-recorder.ts';
import { type KeyAccess, PartitionModel, partitionLimits, type SpaceSummary } from './lib/capacity/partition-model.ts';
import { copyTables } from './lib/capacity/scratch-tables.ts';
import { conflictLines, contendedRetry, itemClassOf, transactionsInto } from './lib/capacity/transactions.ts';
import { parseCli } from './lib/cli.ts';
import { clientOptions, readStack } from './lib/stack.ts';
import { buildWorkload } from './lib/workload.ts';

const unitsOf = { write: 'WCU', read: 'RCU' } as const;

const usage = `usage: npm run capacity -- [options]   (after npm start)
  --rate N           events per second arriving (default 20000)
  --events N         events replayed (default 100000: five seconds at the default rate)
  --topics N         topics the events are spread over (default 1: one hot topic)
  --dup-ratio R      share of duplicates (default 0.3)
  --payload-bytes N  payload size of each event (default 200)
  --read-rate N      requests per second of each read: /stats, /events?topic= and /events (default 50)
  --counter-shards N replay with this many counter shards instead of the deployed setting
  --totals-shards N  replay with this many totals shards instead of the deployed setting
  --consumers N      concurrent process invocations in the conflict model (default 100)
  --txn-median-ms N  median TransactWriteItems latency on AWS in the conflict model (default 20)
  --txn-sigma S      lognormal spread of that latency (default 0.5: p99 = 3.2 x median)
  --json             print the figures as JSON`;

const options = parseCli(
  z.object({
    rate: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
    events: z.coerce.number().int().min(100).max(1_000_000).default(100_000),
    topics: z.coerce.number().int().min(1).max(100_000).default(1),
    'dup-ratio': z.coerce.number().min(0).max(0.95).default(0.3),
    'payload-bytes': z.coerce.number().int().min(0).max(200_000).default(200),
    'read-rate': z.coerce.number().min(0).max(100_000).default(50),
    'counter-shards': z.coerce.number().int().min(1).max(4096).optional(),
    'totals-shards': z.coerce.number().int().min(1).max(16384).optional(),
    consumers: z.coerce.number().int().min(1).max(1000).default(100),
    'txn-median-ms': z.coerce.number().positive().max(10_000).default(20),
    'txn-sigma': z.coerce.number().min(0).max(3).default(0.5),
    json: z.boolean().default(false),
  }),
  usage,
);

const stack = readStack();
const base = new DynamoDBClient(clientOptions(stack));
const dynamo = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
const lambda = new LambdaClient(clientOptions(stack));
const processSettings = await functionEnvironment(lambda, stack.processFunction);
const publishSettings = await functionEnvironment(lambda, stack.publishFunction);
if (await faultInjectionOn(lambda, stack.processFunction))
  console.error('note: fault injection is on in the deployed stack; the model ignores it');

const counterShards = options['counter-shards'] ?? Number(processSettings.COUNTER_SHARDS ?? 1024);
const totalsShards = options['totals-shards'] ?? Number(processSettings.TOTALS_SHARDS ?? counterShards);
const packing = {
  eventsPerMessage: Number(publishSettings.EVENTS_PER_MESSAGE ?? 100),
  eventsPerTransaction: Number(publishSettings.EVENTS_PER_TRANSACTION ?? 95),
};
const runId = randomUUID().slice(0, 8);
const { schemas, drop } = await copyTables(base, [stack.eventsTable, stack.ledgerTable], `capacity-${runId}`);
const [eventsTable, ledgerTable] = schemas.map((schema) => schema.name) as [string, string];

try {
  const workload = buildWorkload({
    events: options.events,
    duplicateRatio: options['dup-ratio'],
    topics: options.topics,
    batchSize: packing.eventsPerMessage,
    payloadBytes: options['payload-bytes'],
    seed: 1,
    runId,
  });

  // Each message's calls happen in the second its first event arrives.
  const recorder = new KeyRecorder(schemas);
  const model = new PartitionModel();
  const jobs: Array<{ body: string; second: number; arrivalMs: number; transactions: string[][]; preReadBefore: boolean[] }> = [];
  let arrived = 0;
  for (const request of workload.requests) {
    for (const message of packEvents(request as LogEvent[], { requestId: randomUUID(), ...packing })) {
      const first = arrived + Math.min(...message.chunks.flatMap((chunk) => chunk.positions));
      jobs.push({
        body: message.body,
        second: Math.floor(first / options.rate),
        arrivalMs: (first / options.rate) * 1000,
        transactions: [],
        preReadBefore: [],
      });
    }
    arrived += request.length;
  }
  const started = performance.now();
  let stored = 0;
  await pMap(
    jobs,
    async (job) => {
      const client = transactionsInto(recorder.clientAt(dynamo, model, job.second), job.transactions, job.preReadBefore);
      const ledger = new DynamoDbLedger(client, { eventsTable, ledgerTable, retentionDays: 0 });
      const outcome = await consumeMessage(job.body, randomUUID(), ledger, {
        counterShards,
        totalsShards,
        peek: processSettings.PEEK_BEFORE_WRITE !== 'off',
      });
      if (outcome.status !== 'applied') throw new Error(`a replayed message was not applied: ${JSON.stringify(outcome)}`);
      stored += outcome.unique;
    },
    { concurrency: 3 },
  );
  if (stored !== workload.distinct) throw new Error(`the replay stored ${stored} events, expected ${workload.distinct}`);
  const replaySeconds = (performance.now() - started) / 1000;

  // One request of each read, counted --read-rate times in every second of the workload.
  const seconds = Math.ceil(options.events / options.rate);
  const everySecond = {
    record: (access: KeyAccess) => {
      for (let second = 0; second < seconds; second++) model.record({ ...access, units: access.units * options['read-rate'], second });
    },
  };
  const client = recorder.clientAt(dynamo, everySecond, 0);
  const counters = new DynamoDbCounterStore(client, { ledgerTable });
  const noQueue = async () => ({ visible: 0, in_flight: 0, dead_letter: 0 });
  await readStats(parseStatsQuery({}), { counters, queueDepth: noQueue, startedAt: async () => undefined });
  const events = new DynamoDbEventStore(client, eventsTable);
  await readEventsPage(parseEventsQuery({ topic: workload.requests[0]![0]!.topic }), events);
  await readEventsPage(parseEventsQuery({}), events);

  const conflicts = simulateConflicts({
    messages: jobs.map(({ arrivalMs, transactions, preReadBefore }) => ({ arrivalMs, transactions, preReadBefore })),
    consumers: options.consumers,
    latency: { medianMs: options['txn-median-ms'], sigma: options['txn-sigma'] },
    peek: { medianMs: 5, sigma: 0.4 },
    retry: contendedRetry,
    visibilityTimeoutMs: 60_000,
    maxReceives: 5,
    seed: 1,
    classOf: itemClassOf,
  });
  const perEvent = writeUnitsPerEvent(model, options.events);
  const ceiling = deploymentCeiling({
    wcuPerEvent: perEvent,
    eventsPerRequest: packing.eventsPerMessage,
    consumerBusy: conflicts.busyConsumers,
    rate: options.rate,
  });

  const spaces = model.summary();
  const hottest = { write: model.hottest('write')!, read: model.hottest('read') };
  const within = hottest.write.peakPerSecond <= partitionLimits.write && (hottest.read?.peakPerSecond ?? 0) <= partitionLimits.read;
  const label = (space: string) => space.replace(`-capacity-${runId}`, '');

  if (options.json) {
    const figures = {
      options,
      settings: { counterShards, totalsShards, ...packing },
      distinct: workload.distinct,
      spaces,
      hottest,
      within_limits: within,
      conflicts,
      ceiling,
    };
    console.log(JSON.stringify(figures, (key, value) => (key === 'space' ? label(value) : value), 2));
  } else {
    const row = ({ space, kind, keys, hottest: hot }: SpaceSummary) =>
      `  ${kind.padEnd(5)} ${label(space).padEnd(30)} ${String(keys).padStart(7)} keys  hottest ${fmt(hot.peakPerSecond).padStart(7)} ${unitsOf[kind]}/s (mean ${fmt(hot.meanPerSecond)})  ${shorten(hot.key)}`;
    console.log(
      [
        `idemlog capacity model: ${options.events.toLocaleString('en')} events (${workload.distinct.toLocaleString('en')} distinct) arriving at ${options.rate.toLocaleString('en')}/s on ${options.topics} topic(s), payload ${options['payload-bytes']} B,`,
        `  and ${options['read-rate']} requests/s each of /stats, /events?topic= and /events`,
        `deployed settings: ${packing.eventsPerMessage} events per message, ${packing.eventsPerTransaction} per transaction, ${counterShards} counter shards, ${totalsShards} totals shards (replayed in ${replaySeconds.toFixed(1)} s)`,
        `per partition key, in its busiest second (AWS limits per key: ${partitionLimits.write.toLocaleString('en')} WCU/s, ${partitionLimits.read.toLocaleString('en')} RCU/s):`,
        ...spaces.map(row),
        `hottest write key: ${fmt(hottest.write.peakPerSecond)} WCU/s on ${label(hottest.write.space)} ${shorten(hottest.write.key)}`,
        `hottest read key:  ${hottest.read ? `${fmt(hottest.read.peakPerSecond)} RCU/s on ${label(hottest.read.space)} ${shorten(hottest.read.key)}` : 'none'}`,
        within ? 'every key is within its limit' : 'ABOVE A LIMIT: AWS would throttle this workload',
        '',
        ...conflictLines(conflicts, options, { counters: counterShards, totals: totalsShards }),
        '',
        ...ceilingLines(ceiling),
      ].join('\n'),
    );
  }
  process.exitCode = within && conflicts.deadLettered === 0 ? 0 : 1;
} finally {
  await drop();
}

function fmt(units: number): string {
  return units.toLocaleString('en', { maximumFractionDigits: 1 });
}

function shorten(key: string): string {
  return key.length > 60 ? `${key.slice(0, 57)}...` : key;
}
