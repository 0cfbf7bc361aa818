import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import FakeTimers from '@sinonjs/fake-timers';
import { withTimeout } from '../../../functions/shared/deadline.ts';
import { logger } from '../../../functions/shared/logger.ts';
import { seededRandom } from '../random.ts';
import { type CheckReport, check } from './checker.ts';
import type { HttpRequest } from './client.ts';
import { runClient } from './client.ts';
import { FakeDynamo } from './fake-dynamo.ts';
import { FakeSqs } from './fake-sqs.ts';
import { seededFaults } from './faults.ts';
import type { Answer, FinalState, Operation, ReadOperation, SentEvent } from './history.ts';
import type { Plan } from './plan.ts';
import { rangeQuery, without } from './requests.ts';
import { buildSystem, type SystemConfig } from './system.ts';

/**
 * One simulated history: the plan's clients publish and read through idemlog's real code while
 * consumers apply what SQS delivers, all on simulated services and in simulated time (fake timers:
 * a history of minutes runs in milliseconds, and every run of a seed is the same run). At the end
 * the faults stop, the DLQ is redriven, the queue drains, final reads are made, and the checker
 * reads the history against the tables.
 */
export interface SimulationResult {
  history: Operation[];
  final: FinalState;
  report: CheckReport;
  stats: Record<string, unknown>;
}

const recordLifetimeSeconds = 120;
const visibilityMs = 30_000;
const processTimeoutMs = 5_000;
const maxSteps = 400_000;

export async function simulate(plan: Plan): Promise<SimulationResult> {
  const random = seededRandom(plan.seed);
  const restoreRandom = seedGlobals(seededRandom(plan.seed ^ 0x5eed));
  const clock = FakeTimers.withGlobal(globalThis).install({
    now: Date.UTC(2026, 11, 3, 12, 0, 0),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'],
  });
  logger.setLogLevel('SILENT');
  try {
    return await run(plan, random, clock);
  } finally {
    clock.uninstall();
    restoreRandom();
  }
}

/** Math.random and crypto.randomUUID from the seed, so that request ids and retry jitter repeat with it. */
function seedGlobals(random: () => number): () => void {
  const mathRandom = Math.random;
  const randomUUID = crypto.randomUUID;
  Math.random = random;
  crypto.randomUUID = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}` as `${string}-${string}-${string}-${string}-${string}`;
  };
  syncBuiltinESMExports();
  return () => {
    Math.random = mathRandom;
    crypto.randomUUID = randomUUID;
    syncBuiltinESMExports();
  };
}

type Clock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>['install']>;

async function run(plan: Plan, random: () => number, clock: Clock): Promise<SimulationResult> {
  const started = Date.now();
  const at = () => Date.now() - started;
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  let faultsOn = true;
  const chance = seededFaults(random, { rate: without.has('call-faults') ? 0 : plan.faultRate, latencyMs: [15, 800] });
  const faults = (call: Parameters<typeof chance.faults>[0]) => (faultsOn ? chance.faults(call) : undefined);
  const dynamo = new FakeDynamo(faults, chance.latency);
  const sqs = new FakeSqs(faults, chance.latency, random, { maxReceiveCount: 5, refuseRate: plan.refuseRate, doubleDeliveryRate: 0.05 });
  const config: SystemConfig = {
    // Publish's own hundred events per message in a quarter of the worlds, small messages in the rest.
    packing: {
      eventsPerMessage: random() < 0.25 ? 100 : 1 + Math.floor(random() * 12),
      eventsPerTransaction: 1 + Math.floor(random() * 95),
    },
    // Few shards or many: many spread one topic's counters over several keys and items.
    counterShards: random() < 0.5 ? 1 + Math.floor(random() * 8) : 1 + Math.floor(random() * 2048),
    // The totals' shards apart from the counters', fewer or more.
    totalsShards: random() < 0.5 ? 1 + Math.floor(random() * 8) : 1 + Math.floor(random() * 16384),
    recordLifetimeSeconds,
    publishTimeoutMs: 28_000,
  };
  const system = buildSystem(dynamo, sqs, config);
  const history: Operation[] = [];
  const background: Array<Promise<unknown>> = [];

  for (const deploy of plan.deploys) {
    setTimeout(() => {
      config.packing = { eventsPerMessage: deploy.eventsPerMessage, eventsPerTransaction: deploy.eventsPerTransaction };
      history.push({ op: 'deploy', at: at(), packing: { ...config.packing } });
    }, deploy.atMs);
  }

  const http = async (
    request: HttpRequest,
    loseAnswer: number,
  ): Promise<{ answer: Answer | 'unknown'; invokedAt: number; completedAt: number }> => {
    const invokedAt = at();
    const work = system.http(request);
    background.push(work);
    if (random() < loseAnswer) {
      // The client gives up before the answer comes (a cut connection); the server goes on.
      await Promise.race([work, sleep(Math.floor(random() * 20_000))]);
      return { answer: 'unknown', invokedAt, completedAt: at() };
    }
    const answer = await work;
    return { answer, invokedAt, completedAt: at() };
  };

  const maxWalkPages = 20_000;
  const walk = async (client: string, query: Record<string, string>, final = false): Promise<ReadOperation> => {
    const invokedAt = at();
    const pages: Answer[] = [];
    let cursor: string | undefined;
    do {
      const page = await system.http({
        method: 'GET',
        path: '/events',
        query: { ...query, ...(cursor ? { cursor } : {}) },
        headers: {},
        caller: client,
      });
      pages.push(page);
      cursor = page.status === 200 ? (page.body.next_cursor ?? undefined) : undefined;
      // A bound on a cursor that never ends, far past any world's stored events: a walk of one
      // event a page over a world of bulk requests passed four hundred pages and was cut short.
    } while (cursor && pages.length < maxWalkPages);
    const read: ReadOperation = { op: 'events', client, invokedAt, completedAt: at(), query, pages, ...(final ? { final } : {}) };
    history.push(read);
    return read;
  };
  const readStats = async (client: string, query: Record<string, string> = { topics_limit: '0' }) => {
    const invokedAt = at();
    const page = await system.http({ method: 'GET', path: '/stats', query, headers: {}, caller: client });
    const read: ReadOperation = { op: 'stats', client, invokedAt, completedAt: at(), query, pages: [page] };
    history.push(read);
    return page;
  };

  const clientRun = (c: number) =>
    runClient(`client${c}`, `caller${c % 2}`, plan.clients[c]!.requests, `k-${plan.seed}-${c}`, {
      http,
      walk,
      readStats,
      sleep,
      random,
      record: (op) => history.push(op),
    });

  let stopping = false;
  const consumerRun = async () => {
    while (!stopping || sqs.pending > 0) {
      const batch = sqs.receive(5, visibilityMs);
      if (batch.length === 0) {
        await sleep(100 + Math.floor(random() * 400));
        continue;
      }
      // The process function's own deadline mechanism (functions/shared/deadline.ts), in simulated time.
      const deadline = Date.now() + processTimeoutMs - 750;
      await withTimeout(processTimeoutMs - 750, async (signal) => {
        for (const message of batch) {
          if (Date.now() > deadline - 750) {
            sqs.release(message.id);
            continue;
          }
          try {
            await system.consume(message.body, message.id, { peek: plan.peek, signal });
            // Now and then the function dies after its write and before SQS hears of it.
            if (!(faultsOn && random() < plan.crashRate)) sqs.delete(message.id);
          } catch {
            // Left in the queue: it comes back after its visibility timeout.
          }
        }
      });
    }
  };

  const finalReads = async () => {
    const statsPages: Answer[] = [];
    let cursor: string | undefined;
    do {
      const page = await system.http({
        method: 'GET',
        path: '/stats',
        query: { topics_limit: '2', ...(cursor ? { topics_cursor: cursor } : {}) },
        headers: {},
        caller: 'final',
      });
      statsPages.push(page);
      cursor = page.status === 200 ? (page.body.topics_next_cursor ?? undefined) : undefined;
    } while (cursor);
    history.push({
      op: 'stats',
      client: 'final',
      invokedAt: at(),
      completedAt: at(),
      query: { topics_limit: '0' },
      pages: [statsPages[0]!],
    });
    const stored = system.storedEvents();
    for (const topic of new Set(stored.map((e) => e.topic))) {
      await walk('final', { topic, limit: String(1 + Math.floor(random() * 5)) }, true);
      await walk('final', { topic, order: 'desc', limit: '3' }, true);
      const mine = stored.filter((e) => e.topic === topic);
      if (!without.has('ranges')) await walk('final', { topic, ...rangeQuery(mine as SentEvent[], random) }, true);
      await walk('final', { topic, source: String(mine[0]!.source), limit: '2' }, true);
    }
    await walk('final', { limit: String(1 + Math.floor(random() * 7)) }, true);
    return { statsPages, stored };
  };

  const clientsDone = Promise.all(plan.clients.map((_, c) => clientRun(c)));
  const consumers = Array.from({ length: plan.consumers }, consumerRun);
  const everything = (async () => {
    await clientsDone;
    await Promise.allSettled(background);
    // The cause is fixed; an operator redrives the DLQ; the queue drains.
    faultsOn = false;
    const redriven = sqs.redrive();
    while (sqs.pending > 0) await sleep(1000);
    const final = await finalReads();
    stopping = true;
    await Promise.all(consumers);
    return { redriven, final };
  })();

  let outcome: Awaited<typeof everything> | undefined;
  let failure: unknown;
  everything.then(
    (value) => {
      outcome = value;
    },
    (error: unknown) => {
      failure = error;
    },
  );
  let steps = 0;
  while (outcome === undefined && failure === undefined && steps < maxSteps) {
    await clock.nextAsync();
    steps++;
  }
  const anomalies: string[] = [];
  if (failure !== undefined) anomalies.push(`the simulation itself failed: ${(failure as Error).stack ?? failure}`);
  if (outcome === undefined && failure === undefined)
    anomalies.push(
      `did not finish within ${maxSteps} steps (${Math.round(at() / 1000)} simulated s): a livelock or a queue that never drains`,
    );

  const totals = outcome?.final.statsPages[0]?.body ?? { received: 0, unique_processed: 0, duplicate_dropped: 0 };
  const final: FinalState = {
    events: new Map((outcome?.final.stored ?? []).map((e) => [JSON.stringify([e.topic, e.event_id]), e])),
    totals: { received: totals.received, unique_processed: totals.unique_processed, duplicate_dropped: totals.duplicate_dropped },
    topics: new Map(
      outcome?.final.statsPages.flatMap((page) => Object.entries(page.body.topics ?? {}) as Array<[string, FinalState['totals']]>) ?? [],
    ),
  };
  const report = check(history, final, { recordLifetimeMs: recordLifetimeSeconds * 1000 });
  report.anomalies.unshift(...anomalies);
  return {
    history,
    final,
    report,
    stats: { steps, simulatedSeconds: Math.round(at() / 1000), redriven: outcome?.redriven, dynamo: dynamo.stats, sqs: sqs.stats },
  };
}
