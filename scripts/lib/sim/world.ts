import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import FakeTimers from '@sinonjs/fake-timers';
import { logger } from '../../../functions/shared/logger.ts';
import { seededRandom } from '../random.ts';
import { type CheckReport, check, instantOf } from './checker.ts';
import { FakeDynamo } from './fake-dynamo.ts';
import { FakeSqs } from './fake-sqs.ts';
import { seededFaults } from './faults.ts';
import type { Answer, FinalState, Operation, PublishOperation, ReadOperation, SentEvent } from './history.ts';
import type { EventPlan, Plan, RequestPlan } from './plan.ts';
import { buildSystem, type HttpRequest, type SystemConfig } from './system.ts';

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

const topics = ['auth.login', 'ünïcödé 𝄞', 'a\uffffb', '"quoted"\\', ' padded ', 't'.repeat(256)];
const ids = ['e0', 'é1', '𝄞2', '\uffff3', `long-${'y'.repeat(251)}`, 'e5', 'e6', 'e7'];

/** Seven spellings of an instant: precisions from none to nine digits, offsets, lower case. */
function spell(base: number, nanos: string, spelling: number): string {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  switch (spelling % 8) {
    case 0:
      return `${iso(base)}.${nanos.slice(0, 3)}Z`;
    case 1:
      return `${iso(base)}.${nanos}Z`;
    case 2:
      return `${iso(base + 2 * 3600_000)}.${nanos}+02:00`;
    case 3:
      return `${iso(base)}Z`;
    case 4:
      return `${iso(base).replace('T', 't')}.${nanos.slice(0, 6)}z`;
    case 5:
      return `${iso(base - (5 * 60 + 45) * 60_000)}.${nanos.slice(0, 7)}-05:45`;
    case 6:
      return `${iso(base)}.${nanos.slice(0, 1)}Z`;
    default:
      return `${iso(base)}.${nanos}-00:00`;
  }
}

function eventOf(plan: EventPlan): SentEvent {
  const base = Date.UTC(2026, 10, 22, 10, 0, 0) + plan.topic * 60_000 + plan.id * 1000;
  const nanos = String(123_456_789 + plan.id * 7 + plan.topic).padStart(9, '0');
  let payload: Record<string, unknown> = { v: plan.variant, n: plan.id, text: 'ü\uffff😀\ud800' };
  if (plan.heavy === 'big') payload.blob = 'x'.repeat(150_000);
  if (plan.heavy === 'deep') {
    let deep: Record<string, unknown> = { bottom: true };
    for (let level = 1; level < 32; level++) deep = { d: deep };
    payload = { ...payload, ...deep };
  }
  return {
    topic: topics[plan.topic]!,
    event_id: ids[plan.id]!,
    timestamp: spell(base, nanos, plan.spelling),
    source: `src${plan.variant}`,
    payload,
  };
}

/** The body text of a request, and the events it carries (none when the body is not a list of events). */
function bodyOf(request: RequestPlan, events: SentEvent[]): { text: string; events: SentEvent[] } {
  const shaped = (list: SentEvent[]) =>
    request.shape === 'single' && list.length === 1
      ? JSON.stringify(list[0])
      : request.shape === 'wrapped'
        ? JSON.stringify({ events: list })
        : JSON.stringify(list);
  switch (request.invalid) {
    case 'malformed-json':
      return { text: shaped(events).slice(0, -2), events: [] };
    case 'unknown-field':
      return { text: shaped(events.map((e, i) => (i === 0 ? { ...e, level: 'error' } : e))), events };
    case 'bad-timestamp':
      return { text: shaped(events.map((e, i) => (i === 0 ? { ...e, timestamp: '2026-11-22T10:00:00.1234567891Z' } : e))), events };
    case 'blank-name':
      return { text: shaped(events.map((e, i) => (i === 0 ? { ...e, topic: ' \u3000' } : e))), events };
    case 'too-deep': {
      let deep: unknown = 1;
      for (let level = 0; level < 40; level++) deep = [deep];
      return { text: shaped(events.map((e, i) => (i === 0 ? { ...e, payload: { deep } } : e))), events };
    }
    case 'repeated-key':
      return { text: JSON.stringify(events).replace(/^\[\{/, '[{"k":1,"k":2,'), events };
    case 'huge-number':
      return { text: JSON.stringify(events).replace(/"payload":\{/, '"payload":{"big":12345678901234567890,'), events };
    case 'empty':
      return { text: '[]', events: [] };
    default:
      return { text: shaped(events), events };
  }
}

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
  const chance = seededFaults(random, { rate: plan.faultRate, latencyMs: [15, 800] });
  const faults = (call: Parameters<typeof chance.faults>[0]) => (faultsOn ? chance.faults(call) : undefined);
  const dynamo = new FakeDynamo(faults, chance.latency);
  const sqs = new FakeSqs(faults, chance.latency, random, { maxReceiveCount: 5, refuseRate: plan.refuseRate, doubleDeliveryRate: 0.05 });
  const config: SystemConfig = {
    packing: { eventsPerMessage: 1 + Math.floor(random() * 12), eventsPerTransaction: 1 + Math.floor(random() * 95) },
    counterShards: 1 + Math.floor(random() * 8),
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
    } while (cursor && pages.length < 400);
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

  const clientRun = async (c: number) => {
    const caller = `caller${c % 2}`;
    const sentBefore: Array<{ key?: string; events: SentEvent[]; request: RequestPlan }> = [];
    for (const [r, request] of plan.clients[c]!.requests.entries()) {
      await sleep(request.pauseMs);
      const earlier = request.keyOf && r > 0 ? sentBefore[request.keyOf.request % r] : undefined;
      const reused = earlier?.key !== undefined ? earlier : undefined;
      const sent = reused && request.keyOf?.body === 'same' ? reused.events : request.events.map(eventOf);
      let body = bodyOf(reused && request.keyOf?.body === 'same' ? reused.request : request, sent);
      const key = reused ? reused.key : request.keyed ? `k-${plan.seed}-${c}-${r}` : undefined;
      sentBefore.push({ ...(key ? { key } : {}), events: sent, request });
      let retryOf: string | undefined;
      for (let attempt = 1; attempt <= 10; attempt++) {
        const headers = { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) };
        const query: Record<string, string> = request.wait ? { wait: String(request.wait) } : {};
        const result = await http({ method: 'POST', path: '/publish', query, headers, body: body.text, caller }, request.loseAnswer);
        const op: PublishOperation = {
          op: 'publish',
          client: `client${c}`,
          seq: r,
          attempt,
          invokedAt: result.invokedAt,
          completedAt: result.completedAt,
          caller,
          ...(key ? { key } : {}),
          ...(request.wait ? { wait: request.wait } : {}),
          events: body.events,
          ...(retryOf ? { retryOf } : {}),
          answer: result.answer,
        };
        history.push(op);
        const answer = result.answer;
        if (answer !== 'unknown' && answer.status < 300) break;
        if (answer !== 'unknown' && answer.status >= 400 && answer.status < 500 && answer.status !== 409 && answer.status !== 429) break;
        if (answer !== 'unknown' && answer.status === 503 && answer.body.error === 'not_enqueued') {
          const named = new Set<number>(answer.body.details.map((d: { index: number }) => d.index));
          const wholeOnly = /re-send the whole body with the same/.test(answer.body.message);
          if (!key || (request.afterNotEnqueued === 'named' && !wholeOnly)) {
            const subset = body.events.filter((_, i) => named.has(i));
            body = { text: JSON.stringify(subset), events: subset };
            if (key) retryOf = answer.body.request_id;
          }
        }
        await sleep(Math.min(8000, 300 * 2 ** attempt) * (0.5 + random()));
      }
      if (request.reuseKey && key) {
        const other = [...sent, eventOf({ topic: 0, id: 0, variant: 9, spelling: 0, heavy: 'none' })];
        const result = await http(
          {
            method: 'POST',
            path: '/publish',
            query: {},
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify(other),
            caller,
          },
          0,
        );
        history.push({
          op: 'publish',
          client: `client${c}`,
          seq: r,
          attempt: 99,
          invokedAt: result.invokedAt,
          completedAt: result.completedAt,
          caller,
          key,
          events: other,
          answer: result.answer,
        });
      }
      if (request.read === 'stats') await readStats(`client${c}`);
      else if (request.read === 'topic')
        await walk(`client${c}`, { topic: String(sent[0]!.topic), limit: String(1 + Math.floor(random() * 4)) });
      else if (request.read === 'all') await walk(`client${c}`, { limit: String(1 + Math.floor(random() * 6)) });
      else if (request.read === 'range') await walk(`client${c}`, rangeQuery(sent, random));
    }
  };

  let stopping = false;
  const consumerRun = async () => {
    while (!stopping || sqs.pending > 0) {
      const batch = sqs.receive(5, visibilityMs);
      if (batch.length === 0) {
        await sleep(100 + Math.floor(random() * 400));
        continue;
      }
      const deadline = Date.now() + processTimeoutMs - 750;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), processTimeoutMs - 750);
      for (const message of batch) {
        if (Date.now() > deadline - 750) {
          sqs.release(message.id);
          continue;
        }
        try {
          await system.consume(message.body, message.id, { peek: plan.peek, signal: controller.signal });
          // Now and then the function dies after its write and before SQS hears of it.
          if (!(faultsOn && random() < plan.crashRate)) sqs.delete(message.id);
        } catch {
          // Left in the queue: it comes back after its visibility timeout.
        }
      }
      clearTimeout(timer);
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
      await walk('final', { topic, ...rangeQuery(mine as SentEvent[], random) }, true);
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

/** since and until on two of the events' own timestamps (as they were spelt), so that the bounds fall exactly on events. */
function rangeQuery(events: SentEvent[], random: () => number): Record<string, string> {
  const times = events.map((e) => String(e.timestamp)).filter((t) => instantOf(t) !== undefined);
  const a = times[Math.floor(random() * times.length)]!;
  const b = times[Math.floor(random() * times.length)]!;
  const [since, until] = instantOf(a)!.nanos <= instantOf(b)!.nanos ? [a, b] : [b, a];
  return { since, until, limit: '2' };
}
