import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseJson } from '../../../functions/domain/json.ts';
import { seededRandom } from '../random.ts';
import { redrive } from '../redrive.ts';
import { type CheckReport, check } from '../sim/checker.ts';
import { type HttpRequest, runClient } from '../sim/client.ts';
import type { Answer, FinalState, Operation, ReadOperation } from '../sim/history.ts';
import type { EventPlan, RequestPlan } from '../sim/plan.ts';
import { clientOptions, projectRoot } from '../stack.ts';
import { type ChaosEmulator, chaosEmulator, workersOf } from './emulator.ts';

/**
 * A checked chaos run against the real stack on its own emulator: clients that behave as the
 * simulator's do (scripts/lib/sim/client.ts) publish and read over HTTP while a schedule injects
 * the faults the stack can suffer: fault markers that make the process function crash after its
 * write or fail before it, report conflicts and run slow transactions, SQS refusing sends; client
 * connections cut mid-request; throttling past publish's concurrency; the functions' workers
 * killed with SIGKILL; and the emulator stopped (SIGTERM: it saves its state) and started again.
 * Every operation is written to a JSON-lines history; at the end the DLQ is redriven, the queue
 * drains, every topic is walked, and the simulator's checker reads the history against that.
 */
/** The gateway's answer when the authorizer could not run (infra/api.yml, AUTHORIZER_FAILURE). */
const isAuthorizerRefusal = (answer: Answer | 'unknown'): boolean =>
  typeof answer === 'object' &&
  answer.status === 503 &&
  typeof answer.body === 'object' &&
  answer.body !== null &&
  String((answer.body as { message?: unknown }).message).startsWith('the key could not be checked');

export interface ChaosOptions {
  minutes: number;
  seed: number;
  clients: number;
  port: number;
  /** Seconds between emulator restarts, and between worker kills. */
  restartEverySeconds: number;
  killEverySeconds: number;
  log: (line: string) => void;
  /** A history a run kept whose end did not finish: read the stack's final state on its emulator (still up) and check it. */
  resume?: string;
}

export interface ChaosReport {
  seed: number;
  minutes: number;
  historyFile: string;
  operations: Record<string, number>;
  faults: Record<string, number>;
  events_published: number;
  events_stored: number;
  totals: FinalState['totals'];
  anomalies: string[];
  summary: CheckReport['summary'];
}

const recordLifetimeMs = 24 * 3600_000;
const walkPages = 20;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(options.seed);
  const dir = join(projectRoot, '.idemlog', 'chaos');
  mkdirSync(dir, { recursive: true });
  const historyFile = options.resume ?? join(dir, `history-${new Date().toISOString().replace(/[:.]/g, '-')}-seed${options.seed}.jsonl`);
  const history: Operation[] = options.resume
    ? readFileSync(options.resume, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => parseJson(line) as Operation)
    : [];
  if (!options.resume) writeFileSync(historyFile, '');
  const record = (op: Operation) => {
    history.push(op);
    appendFileSync(historyFile, `${JSON.stringify(op)}\n`);
  };
  const faults: Record<string, number> = {};
  const count = (kind: string, n = 1) => {
    faults[kind] = (faults[kind] ?? 0) + n;
  };

  options.log(
    options.resume
      ? `chaos: resuming ${options.resume} (${history.length} operations) on the emulator still up on port ${options.port}`
      : `chaos: starting its own emulator on port ${options.port} and deploying (fault injection on)`,
  );
  const emulator = chaosEmulator(options.port, { attach: options.resume !== undefined });
  const { stack } = emulator;
  // A resumed history's times go on from its last operation.
  const lastAt = history.reduce((latest, op) => Math.max(latest, 'completedAt' in op ? op.completedAt : 0), 0);
  const started = Date.now() - lastAt;
  const at = () => Date.now() - started;
  const deadline = options.resume ? Date.now() : started + options.minutes * 60_000;
  let restarting = false;
  // What is in flight, for the progress line: a run that does not end says what it waits for.
  const inFlight = new Map<number, string>();
  let calls = 0;

  const http = async (
    request: HttpRequest,
    loseAnswer: number,
  ): Promise<{ answer: Answer | 'unknown'; invokedAt: number; completedAt: number }> => {
    const invokedAt = at();
    const query = new URLSearchParams(request.query).toString();
    const controller = new AbortController();
    const call = ++calls;
    inFlight.set(call, `${request.method} ${request.path}?${query} by ${request.caller} since ${Math.round(invokedAt / 1000)} s`);
    // A cut connection: the client stops listening, the request goes on (or not) on the other side.
    const cut = random() < loseAnswer ? setTimeout(() => controller.abort(), Math.floor(random() * 3000)) : undefined;
    const timeout = setTimeout(() => controller.abort(), 40_000);
    try {
      const response = await fetch(`${stack.apiUrl}${request.path}${query ? `?${query}` : ''}`, {
        method: request.method,
        headers: { 'x-api-key': stack.apiKey, ...request.headers },
        body: request.body,
        signal: controller.signal,
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        // Not JSON.parse: it can rename payload keys written with escapes (functions/domain/json.ts).
        body = parseJson(text);
      } catch {
        // an answer the gateway or the emulator wrote: kept as text
      }
      const headers = response.headers.get('idempotent-replayed')
        ? { 'idempotent-replayed': response.headers.get('idempotent-replayed')! }
        : undefined;
      if (response.status === 429) count('throttled');
      return { answer: { status: response.status, body, ...(headers ? { headers } : {}) }, invokedAt, completedAt: at() };
    } catch {
      if (cut !== undefined && controller.signal.aborted) count('connection-cut');
      return { answer: 'unknown', invokedAt, completedAt: at() };
    } finally {
      inFlight.delete(call);
      clearTimeout(cut);
      clearTimeout(timeout);
    }
  };

  const walk = async (client: string, query: Record<string, string>, final = false): Promise<ReadOperation> => {
    const invokedAt = at();
    const pages: Answer[] = [];
    const cursors = new Set<string>();
    let cursor: string | undefined;
    do {
      const request: HttpRequest = {
        method: 'GET',
        path: '/events',
        query: { ...query, ...(cursor ? { cursor } : {}) },
        headers: {},
        caller: client,
      };
      let result = await http(request, 0);
      // A final walk reads the state the check is made against: a page the stack refused for a
      // passing reason (429, 5xx, no answer) is asked for again, not taken as the end.
      for (let retry = 0; final && retry < 30 && (result.answer === 'unknown' || result.answer.status !== 200); retry++) {
        await sleep(2000);
        result = await http(request, 0);
      }
      if (result.answer === 'unknown') break;
      pages.push(result.answer);
      cursor = result.answer.status === 200 ? (result.answer.body.next_cursor ?? undefined) : undefined;
      // A cursor given twice would walk forever: the checker flags it, the walk ends here.
      if (cursor && cursors.has(cursor)) break;
      if (cursor) cursors.add(cursor);
      // A client's walk reads a few pages, as a console does: topics grow to thousands of events,
      // and a walk of all of them at three a page would outlast the run. The final walks read all.
    } while (cursor && (final || (pages.length < walkPages && Date.now() < deadline)));
    const read: ReadOperation = { op: 'events', client, invokedAt, completedAt: at(), query, pages, ...(final ? { final } : {}) };
    record(read);
    return read;
  };
  const readStats = async (client: string) => {
    const invokedAt = at();
    const result = await http({ method: 'GET', path: '/stats', query: { topics_limit: '0' }, headers: {}, caller: client }, 0);
    if (result.answer !== 'unknown')
      record({ op: 'stats', client, invokedAt, completedAt: at(), query: { topics_limit: '0' }, pages: [result.answer] });
  };

  const markers = { made: 0 };
  // The clients: each sends generated requests until the time is up.
  const clientLoop = async (c: number) => {
    let round = 0;
    while (Date.now() < deadline) {
      const requests = Array.from({ length: 5 }, () => chaosRequest(random, markers));
      await runClient(`client${c}`, `caller${c % 2}`, requests, `chaos-${options.seed}-${c}-${round++}`, {
        http,
        walk: (client, query) => walk(client, { ...query }),
        readStats,
        sleep: (ms) => sleep(ms),
        random,
        record,
        stopped: () => Date.now() >= deadline,
      });
    }
  };

  // The schedule: worker kills and emulator restarts at random moments.
  const killer = async () => {
    while (Date.now() < deadline) {
      await sleepUntil(options.killEverySeconds * 1000 * (0.5 + random()), deadline);
      if (Date.now() >= deadline) break;
      const pid = emulator.pid();
      if (restarting || pid === undefined) continue;
      for (const fn of ['idemlog-local-process', 'idemlog-local-publish']) {
        const workers = workersOf(pid, fn);
        if (workers.length === 0) continue;
        const victim = workers[Math.floor(random() * workers.length)]!;
        try {
          process.kill(victim, 'SIGKILL');
          count(fn.endsWith('process') ? 'process-worker-killed' : 'publish-worker-killed');
        } catch {
          // it had just finished
        }
      }
    }
  };
  const restarter = async () => {
    while (Date.now() < deadline - 30_000) {
      await sleepUntil(options.restartEverySeconds * 1000 * (0.5 + random()), deadline - 30_000);
      if (Date.now() > deadline - 30_000) break;
      restarting = true;
      options.log(`chaos: ${Math.round(at() / 1000)} s: restarting the emulator`);
      const stopping = Date.now();
      emulator.stop();
      const stopped = Date.now();
      await sleep(1000 + Math.floor(random() * 4000));
      const starting = Date.now();
      emulator.start();
      options.log(
        `chaos: ${Math.round(at() / 1000)} s: the emulator saved its state in ${Math.round((stopped - stopping) / 1000)} s and loaded it in ${Math.round((Date.now() - starting) / 1000)} s`,
      );
      restarting = false;
      count('emulator-restarted');
    }
  };
  // Bursts past publish's concurrency ceiling: waiting publishes the gateway or the emulator refuses
  // with 429. The authorizer in front of publish has the same ceiling; when its workers are cold (after
  // a restart or a kill) the burst meets that one first, and the gateway answers its AUTHORIZER_FAILURE,
  // 503 "the key could not be checked" (infra/api.yml): throttled too, one gate earlier.
  const burster = async () => {
    while (Date.now() < deadline) {
      await sleepUntil(45_000 * (0.5 + random()), deadline);
      if (restarting || Date.now() > deadline) continue;
      await Promise.all(
        Array.from({ length: 48 }, async (_, i) => {
          const event = {
            topic: 'burst',
            event_id: `b${at()}-${i}`,
            timestamp: '2026-11-22T10:00:00Z',
            source: 'burst',
            payload: { _idemlog_fault: { mode: 'slow', ms: 1500 } },
          };
          const result = await http(
            {
              method: 'POST',
              path: '/publish',
              query: { wait: '5' },
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(event),
              caller: 'burst',
            },
            0,
          );
          if (isAuthorizerRefusal(result.answer)) count('throttled');
          record({
            op: 'publish',
            client: 'burst',
            seq: 0,
            attempt: 1,
            invokedAt: result.invokedAt,
            completedAt: result.completedAt,
            caller: 'burst',
            wait: 5,
            events: [event],
            answer: result.answer,
          });
        }),
      );
    }
  };
  const progress = setInterval(() => {
    const published = history.reduce((sum, op) => sum + (op.op === 'publish' ? op.events.length : 0), 0);
    const oldest = inFlight.values().next().value;
    options.log(
      `chaos: ${Math.round(at() / 1000)} s: ${history.length} operations, ${published} events sent, ${calls} calls (${inFlight.size} in flight${oldest ? `, oldest ${oldest}` : ''}); faults ${JSON.stringify(faults)}`,
    );
  }, 60_000);
  try {
    const loops = new Set<string>();
    const tracked = async (name: string, loop: () => Promise<void>) => {
      loops.add(name);
      await loop();
      loops.delete(name);
      if (Date.now() >= deadline)
        options.log(`chaos: ${Math.round(at() / 1000)} s: ${name} done; waiting for ${[...loops].join(', ') || 'nothing'}`);
    };
    await Promise.all([
      ...Array.from({ length: options.clients }, (_, c) => tracked(`client${c}`, () => clientLoop(c))),
      tracked('killer', killer),
      tracked('restarter', restarter),
      tracked('burster', burster),
    ]);
  } finally {
    clearInterval(progress);
  }

  // The end: the emulator up, the DLQ redriven, the queue drained, every topic walked.
  options.log('chaos: time is up; redriving the DLQ and waiting for the queue to drain');
  const sqs = new SQSClient({ ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const final = await settle(emulator, sqs, http, walk, options.log);
  count('dlq-redriven', final.redriven);
  const report = check(history, final.state, { recordLifetimeMs });
  emulator.remove();
  // The markers that reached the stack: those of requests it accepted.
  for (const op of history) {
    if (op.op !== 'publish' || op.answer === 'unknown' || op.answer.status >= 300) continue;
    for (const event of op.events) {
      const marker = (event.payload as { _idemlog_fault?: { mode: string } } | undefined)?._idemlog_fault;
      if (marker) count(`marker:${marker.mode}`);
    }
  }
  const kinds: Record<string, number> = {};
  for (const op of history) {
    const kind = op.op === 'publish' ? `publish:${op.answer === 'unknown' ? 'unknown' : op.answer.status}` : op.op;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return {
    seed: options.seed,
    minutes: options.minutes,
    historyFile,
    operations: kinds,
    faults,
    events_published: history.reduce((sum, op) => sum + (op.op === 'publish' ? op.events.length : 0), 0),
    events_stored: final.state.events.size,
    totals: final.state.totals,
    anomalies: report.anomalies,
    summary: report.summary,
  };
}

/** Sleeps `ms`, or until `until` if that comes first: the schedule's loops end with the run. */
function sleepUntil(ms: number, until: number): Promise<void> {
  return sleep(Math.max(0, Math.min(ms, until - Date.now())));
}

type Walk = (client: string, query: Record<string, string>, final?: boolean) => Promise<ReadOperation>;

async function settle(
  emulator: ChaosEmulator,
  sqs: SQSClient,
  http: (request: HttpRequest, loseAnswer: number) => Promise<{ answer: Answer | 'unknown' }>,
  walk: Walk,
  log: (line: string) => void,
): Promise<{ state: FinalState; redriven: number }> {
  const { stack } = emulator;
  const stats = async () => {
    const { answer } = await http({ method: 'GET', path: '/stats', query: { topics_limit: '0' }, headers: {}, caller: 'final' }, 0);
    return answer !== 'unknown' && answer.status === 200 ? answer.body : undefined;
  };
  let redriven = 0;
  let previous = '';
  for (let quiet = 0; quiet < 3; ) {
    await sleep(5000);
    const current = await stats();
    if (!current) continue;
    if (current.queue.dead_letter > 0) {
      redriven += (await redrive(sqs, stack)).moved;
      quiet = 0;
      continue;
    }
    const now = `${current.received}/${current.unique_processed}/${current.queue.visible}/${current.queue.in_flight}`;
    quiet = current.queue.visible + current.queue.in_flight === 0 && now === previous ? quiet + 1 : 0;
    previous = now;
    log(`chaos: draining: ${now}`);
  }
  const topics = new Map<string, FinalState['totals']>();
  let cursor: string | undefined;
  let totals: FinalState['totals'] | undefined;
  do {
    const { answer } = await http(
      {
        method: 'GET',
        path: '/stats',
        // A few topics a page, so that the listing's paging is read as well.
        query: { topics_limit: '3', ...(cursor ? { topics_cursor: cursor } : {}) },
        headers: {},
        caller: 'final',
      },
      0,
    );
    if (answer === 'unknown' || answer.status !== 200) throw new Error(`the final /stats walk failed: ${JSON.stringify(answer)}`);
    totals ??= {
      received: answer.body.received,
      unique_processed: answer.body.unique_processed,
      duplicate_dropped: answer.body.duplicate_dropped,
    };
    for (const [topic, counts] of Object.entries(answer.body.topics)) {
      if (topics.has(topic)) throw new Error(`the final /stats listing gave topic ${JSON.stringify(topic)} twice`);
      topics.set(topic, counts as FinalState['totals']);
    }
    const next = answer.body.topics_next_cursor ?? undefined;
    if (next !== undefined && next === cursor) throw new Error('the final /stats listing gave the same cursor twice');
    cursor = next;
  } while (cursor);
  const events: FinalState['events'] = new Map();
  for (const topic of topics.keys()) {
    const read = await walk('final', { topic, limit: '1000' }, true);
    if (read.pages.at(-1)?.body?.next_cursor) throw new Error(`the final walk of topic ${topic} did not finish`);
    for (const page of read.pages) {
      if (page.status !== 200) throw new Error(`the final walk of topic ${topic} was refused: ${JSON.stringify(page).slice(0, 300)}`);
      for (const event of page.body.events) events.set(JSON.stringify([event.topic, event.event_id]), event);
    }
  }
  // Every topic by time (the by-time index), in pages small enough to answer in time; the check
  // compares it with what is stored, so it must be whole.
  const all = await walk('final', { limit: '200' }, true);
  if (all.pages.some((page) => page.status !== 200) || all.pages.at(-1)?.body.next_cursor)
    throw new Error(`the final walk of every topic did not finish: ${JSON.stringify(all.pages.at(-1)).slice(0, 300)}`);
  return { state: { events, totals: totals!, topics }, redriven };
}

/** A request of the chaos run: the simulator's kinds, over a wide id space, some carrying a fault marker. */
function chaosRequest(random: () => number, markers: { made: number }): RequestPlan {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  // Half of them batches as shippers send, the others a few events: the run's events per second are bounded by requests per second.
  const size = random() < 0.5 ? 1 + Math.floor(random() * 400) : 1 + Math.floor(random() * 20);
  const events: EventPlan[] = Array.from({ length: size }, () => ({
    topic: Math.floor(random() * 6),
    // Mostly new identities, a few repeated ones: duplicates within and across requests.
    id: random() < 0.1 ? Math.floor(random() * 8) : 8 + Math.floor(random() * 2_000_000),
    variant: random() < 0.05 ? 1 : 0,
    spelling: Math.floor(random() * 8),
    heavy: random() < 0.002 ? pick(['big', 'deep'] as const) : 'none',
  }));
  // Now and then a fault marker, the kinds in turn: a short run meets every kind.
  if (random() < 0.15) {
    const fault = [
      { mode: 'crash_after_write', times: 1 + Math.floor(random() * 2) },
      { mode: 'fail', times: 1 + Math.floor(random() * 2) },
      { mode: 'conflict', times: 1 + Math.floor(random() * 3) },
      { mode: 'slow', ms: 200 + Math.floor(random() * 2500) },
      { mode: 'refuse_enqueue', until: new Date(Date.now() + Math.floor(random() * 3000)).toISOString() },
    ][markers.made++ % 5]!;
    events[Math.floor(random() * events.length)]!.fault = fault;
  }
  return {
    shape: pick(['single', 'array', 'wrapped'] as const),
    events,
    keyed: random() < 0.5,
    wait: random() < 0.3 ? 1 + Math.floor(random() * 8) : 0,
    ...(random() < 0.05
      ? {
          invalid: pick([
            'malformed-json',
            'unknown-field',
            'bad-timestamp',
            'blank-name',
            'too-deep',
            'bomb',
            'repeated-key',
            'huge-number',
            'empty',
          ] as const),
        }
      : {}),
    afterNotEnqueued: random() < 0.5 ? 'named' : 'whole',
    loseAnswer: random() < 0.15 ? 0.5 : 0,
    reuseKey: random() < 0.05,
    ...(random() < 0.1 ? { read: pick(['topic', 'all', 'range', 'stats'] as const) } : {}),
    pauseMs: Math.floor(random() * 1500),
  };
}
