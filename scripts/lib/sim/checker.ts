import type { FinalState, Operation, PublishOperation, ReadOperation, SentEvent } from './history.ts';

/**
 * Checks a history against the final state, by rules that follow from the promise and not from the
 * code (it normalises nothing with idemlog's own functions):
 *
 * 0. No request is answered 500: what a client can send is refused with a 4xx, a passing failure is a 503.
 * 1. Every event of a request answered 2xx is stored, and so is every event a 503 did not name.
 * 2. Nothing is stored that no request carried, except requests refused with 4xx; what is stored
 *    has exactly the content one of those requests carried: the same names, the same instant to
 *    the nanosecond with the same fractional digits, in UTC, and the same payload.
 * 3. `unique_processed` is the number of events stored, in total and per topic; the topics sum to
 *    the totals.
 * 4. `received` lies between what was certainly counted and what may have been (see `bounds`).
 * 5. A `?wait` outcome is true of the final state: `stored` means this request's chunk stored it.
 * 6. Every read: events that were sent, in order, within its filters, none twice in a walk; a
 *    final walk of a topic returns exactly what is stored; counters read later are never lower.
 */
export interface CheckOptions {
  /** How long a request record lives: a keyed request resumed after that may be counted again. */
  recordLifetimeMs: number;
}

export interface CheckReport {
  anomalies: string[];
  /** What the history did, for the report. */
  summary: Record<string, number>;
}

const identity = (event: SentEvent) => JSON.stringify([event.topic, event.event_id]);
const isSuccess = (op: PublishOperation) => op.answer !== 'unknown' && op.answer.status >= 200 && op.answer.status < 300;
const isRefused = (op: PublishOperation) => op.answer !== 'unknown' && op.answer.status >= 400 && op.answer.status < 500;
const notEnqueuedDetails = (op: PublishOperation): Array<{ index: number; enqueued: string }> | undefined =>
  op.answer !== 'unknown' && op.answer.status === 503 && op.answer.body?.error === 'not_enqueued' ? op.answer.body.details : undefined;

/** Canonical JSON (sorted keys), to compare payloads as values; past 100 levels (a bomb no release may store) a marker. */
export function canonical(value: unknown, depth = 0): string {
  if (depth > 100) return '"<deeper than 100 levels>"';
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(object[key], depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An RFC 3339 timestamp as nanoseconds since the epoch and its fractional digits, read independently of idemlog. */
export function instantOf(text: unknown): { nanos: bigint; fraction: string } | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const millis = Date.parse(`${match[1]}T${match[2]}${match[4]!.toUpperCase()}`);
  if (Number.isNaN(millis)) return undefined;
  const fraction = match[3] ?? '';
  return { nanos: BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9) || '0'), fraction };
}

function sameContent(sent: SentEvent, stored: FinalState['events'] extends Map<string, infer V> ? V : never): boolean {
  const a = instantOf(sent.timestamp);
  const b = instantOf(stored.timestamp);
  return (
    sent.topic === stored.topic &&
    sent.event_id === stored.event_id &&
    sent.source === stored.source &&
    a !== undefined &&
    b !== undefined &&
    a.nanos === b.nanos &&
    a.fraction === b.fraction &&
    stored.timestamp.endsWith('Z') &&
    canonical(sent.payload ?? {}) === canonical(stored.payload)
  );
}

type Counts = { total: number; topics: Map<string, number> };
const counts = (events: SentEvent[]): Counts => {
  const topics = new Map<string, number>();
  for (const event of events) topics.set(String(event.topic), (topics.get(String(event.topic)) ?? 0) + 1);
  return { total: events.length, topics };
};
const addInto = (target: Counts, more: Counts, times = 1) => {
  target.total += more.total * times;
  for (const [topic, n] of more.topics) target.topics.set(topic, (target.topics.get(topic) ?? 0) + n * times);
};

/**
 * The bounds on `received`. Without a key, an attempt answered 2xx counts its events once; one
 * answered 503 not_enqueued counts those not named, and may count those named "unknown"; one whose
 * answer was lost or was another 5xx may count all of them; a 4xx counts nothing. With a key, every
 * attempt of one request (the same body, or a set a 503 of it named) counts the request's events
 * once if any attempt was answered 2xx, and at most once per time the request may have been
 * forgotten in between (its record outlived) and sent anew.
 */
export function bounds(publishes: PublishOperation[], options: CheckOptions): { lower: Counts; upper: Counts } {
  const lower: Counts = { total: 0, topics: new Map() };
  const upper: Counts = { total: 0, topics: new Map() };
  const requests = new Map<string, PublishOperation[]>();
  const requestOfId = new Map<string, string>();
  for (const op of publishes) {
    if (op.key === undefined) {
      const details = notEnqueuedDetails(op);
      if (isSuccess(op)) {
        addInto(lower, counts(op.events));
        addInto(upper, counts(op.events));
      } else if (details) {
        const named = new Set(details.map((d) => d.index));
        const surely = new Set(details.filter((d) => d.enqueued === 'no').map((d) => d.index));
        addInto(lower, counts(op.events.filter((_, i) => !named.has(i))));
        addInto(upper, counts(op.events.filter((_, i) => !surely.has(i))));
      } else if (!isRefused(op)) addInto(upper, counts(op.events));
      continue;
    }
    const requestId = op.answer !== 'unknown' ? op.answer.body?.request_id : undefined;
    let group = op.retryOf !== undefined ? requestOfId.get(op.retryOf) : undefined;
    group ??= `${op.caller}\n${op.key}\n${canonical(op.events)}`;
    if (typeof requestId === 'string') requestOfId.set(requestId, group);
    requests.set(group, [...(requests.get(group) ?? []), op]);
  }
  for (const ops of requests.values()) {
    const whole = ops.find((op) => op.retryOf === undefined) ?? ops[0]!;
    const counted = ops.filter((op) => !isRefused(op));
    if (counted.length === 0) continue;
    if (counted.some(isSuccess)) addInto(lower, counts(whole.events));
    addInto(upper, counts(whole.events));
    // A record is forgotten a lifetime after its last write. Only an answer proves a write: a 2xx
    // that is not a replay (the request completed) or a 503 not_enqueued (it recorded what it named);
    // before the first such answer, the earliest attempt is the earliest a write can have been. An
    // attempt that starts a lifetime after that may find the record gone and, with another packing,
    // count its body again.
    let lastWrite = counted[0]!.invokedAt;
    for (const op of counted.slice(1)) {
      if (op.invokedAt - lastWrite > options.recordLifetimeMs) addInto(upper, counts(op.events));
      const proves =
        op.answer !== 'unknown' &&
        op.answer.headers?.['idempotent-replayed'] !== 'true' &&
        (isSuccess(op) || notEnqueuedDetails(op) !== undefined);
      if (proves) lastWrite = op.invokedAt;
    }
  }
  return { lower, upper };
}

export function check(history: Operation[], final: FinalState, options: CheckOptions): CheckReport {
  const anomalies: string[] = [];
  const flag = (message: string) => {
    if (anomalies.length < 50) anomalies.push(message.length > 400 ? `${message.slice(0, 400)}…` : message);
  };
  const publishes = history.filter((op): op is PublishOperation => op.op === 'publish');
  const reads = history.filter((op): op is ReadOperation => op.op === 'events' || op.op === 'stats');

  // 0. No input gives a 500: an error a client caused is a 4xx, a passing failure a 503. (A 502
  // for a worker that was killed is the infrastructure's answer, not idemlog's.)
  for (const op of [...publishes, ...reads]) {
    const answers = op.op === 'publish' ? (op.answer === 'unknown' ? [] : [op.answer]) : op.pages;
    for (const answer of answers)
      if (answer.status === 500 && answer.body?.error === 'internal_error')
        flag(`${op.op} by ${op.client} answered 500: ${JSON.stringify(answer.body).slice(0, 200)}`);
  }

  // 1. Nothing answered 2xx is lost.
  for (const op of publishes) {
    const details = notEnqueuedDetails(op);
    if (!isSuccess(op) && !details) continue;
    const named = new Set((details ?? []).map((d) => d.index));
    op.events.forEach((event, i) => {
      if (!named.has(i) && !final.events.has(identity(event)))
        flag(
          `lost: ${identity(event)} of ${op.client}#${op.seq}.${op.attempt} (answered ${(op.answer as { status: number }).status}) is not stored`,
        );
    });
  }

  // 2. Nothing stored that was not sent, and as it was sent.
  const carried = new Map<string, SentEvent[]>();
  for (const op of publishes) {
    if (isRefused(op)) continue;
    for (const event of op.events) carried.set(identity(event), [...(carried.get(identity(event)) ?? []), event]);
  }
  for (const [key, stored] of final.events) {
    const sent = carried.get(key);
    if (!sent) flag(`invented: ${key} is stored but no request that was not refused carried it`);
    else if (!sent.some((event) => sameContent(event, stored)))
      flag(`changed: ${key} is stored as ${JSON.stringify(stored)}, which no request carried`);
  }

  // 3. Unique counts are exact.
  const storedPerTopic = new Map<string, number>();
  for (const event of final.events.values()) storedPerTopic.set(event.topic, (storedPerTopic.get(event.topic) ?? 0) + 1);
  if (final.totals.unique_processed !== final.events.size)
    flag(`unique_processed is ${final.totals.unique_processed}, ${final.events.size} events are stored`);
  for (const [topic, n] of storedPerTopic) {
    if (final.topics.get(topic)?.unique_processed !== n)
      flag(`topic ${topic}: unique_processed ${final.topics.get(topic)?.unique_processed}, ${n} stored`);
  }
  for (const field of ['received', 'unique_processed', 'duplicate_dropped'] as const) {
    const sum = [...final.topics.values()].reduce((total, topic) => total + topic[field], 0);
    if (sum !== final.totals[field]) flag(`the topics' ${field} sum to ${sum}, the totals say ${final.totals[field]}`);
  }
  for (const [topic, c] of final.topics) if (c.duplicate_dropped < 0) flag(`topic ${topic}: negative duplicates`);

  // 4. Received within its bounds.
  const { lower, upper } = bounds(publishes, options);
  if (final.totals.received < lower.total || final.totals.received > upper.total)
    flag(`received ${final.totals.received} outside [${lower.total}, ${upper.total}]`);
  for (const topic of new Set([...final.topics.keys(), ...lower.topics.keys()])) {
    const received = final.topics.get(topic)?.received ?? 0;
    const low = lower.topics.get(topic) ?? 0;
    const high = upper.topics.get(topic) ?? 0;
    if (received < low || received > high) flag(`topic ${topic}: received ${received} outside [${low}, ${high}]`);
  }

  // 5. Wait outcomes hold.
  for (const op of publishes) {
    if (!isSuccess(op) || op.answer === 'unknown' || !Array.isArray(op.answer.body?.events)) continue;
    const requestId: string = op.answer.body.request_id;
    for (const { index, outcome } of op.answer.body.events as Array<{ index: number; outcome: string }>) {
      const event = op.events[index];
      const stored = event && final.events.get(identity(event));
      if (outcome === 'pending') continue;
      if (!stored) flag(`wait said ${outcome} for ${identity(event!)} of ${op.client}#${op.seq}, which is not stored`);
      else if (outcome === 'stored' && stored.chunkId !== undefined && !stored.chunkId.startsWith(`${requestId}/`))
        flag(`wait said stored for ${identity(event!)} of request ${requestId}, but chunk ${stored.chunkId} stored it`);
    }
  }

  // 6. Reads.
  const lastCounts = new Map<string, number>();
  for (const read of reads) {
    if (read.op === 'stats') {
      const body = read.pages[0]?.status === 200 ? read.pages[0].body : undefined;
      if (!body) continue;
      const previous = lastCounts.get(read.client) ?? 0;
      if (body.unique_processed < previous) flag(`${read.client} read unique_processed ${body.unique_processed} after ${previous}`);
      lastCounts.set(read.client, body.unique_processed);
      if (body.unique_processed > final.totals.unique_processed)
        flag(`a read saw unique_processed ${body.unique_processed}, more than the final ${final.totals.unique_processed}`);
      continue;
    }
    checkWalk(read, final, carried, flag);
  }
  return {
    anomalies,
    summary: {
      publishes: publishes.length,
      answered_2xx: publishes.filter(isSuccess).length,
      refused_4xx: publishes.filter(isRefused).length,
      unknown: publishes.filter((op) => op.answer === 'unknown').length,
      keyed: publishes.filter((op) => op.key !== undefined).length,
      events_sent: publishes.reduce((sum, op) => sum + op.events.length, 0),
      events_stored: final.events.size,
      reads: reads.length,
    },
  };
}

function checkWalk(read: ReadOperation, final: FinalState, carried: Map<string, SentEvent[]>, flag: (message: string) => void): void {
  const desc = read.query.order === 'desc' || (read.query.order === undefined && read.query.topic === undefined);
  const since = read.query.since === undefined ? undefined : instantOf(read.query.since)?.nanos;
  const until = read.query.until === undefined ? undefined : instantOf(read.query.until)?.nanos;
  const seen = new Set<string>();
  let previous: bigint | undefined;
  let complete = true;
  const cursors = new Set<string>();
  for (const page of read.pages) {
    if (page.status !== 200) {
      complete = false;
      break;
    }
    const next: string | null | undefined = page.body.next_cursor;
    if (next) {
      if (cursors.has(next)) flag(`a walk of ${JSON.stringify(read.query)} was given the cursor ${next} twice`);
      cursors.add(next);
    }
    for (const event of page.body.events as Array<{ topic: string; event_id: string; timestamp: string; source: string }>) {
      const key = JSON.stringify([event.topic, event.event_id]);
      const at = instantOf(event.timestamp)?.nanos;
      if (seen.has(key)) flag(`a walk of ${JSON.stringify(read.query)} returned ${key} twice`);
      seen.add(key);
      if (!carried.has(key)) flag(`a walk returned ${key}, which no request carried`);
      if (read.query.topic !== undefined && event.topic !== read.query.topic) flag(`a walk of topic ${read.query.topic} returned ${key}`);
      if (read.query.source !== undefined && event.source !== read.query.source)
        flag(`a walk of source ${read.query.source} returned ${key}`);
      if (at === undefined) flag(`a walk returned ${key} with timestamp ${event.timestamp}`);
      else {
        if ((since !== undefined && at < since) || (until !== undefined && at > until))
          flag(`a walk of ${JSON.stringify(read.query)} returned ${key} at ${event.timestamp}, outside the range`);
        if (previous !== undefined && (desc ? at > previous : at < previous))
          flag(`a walk of ${JSON.stringify(read.query)} is out of order at ${key}`);
        previous = at;
      }
    }
  }
  if (!complete || !read.final) return;
  const expected = [...final.events.entries()].filter(([, event]) => {
    const at = instantOf(event.timestamp)!.nanos;
    return (
      (read.query.topic === undefined || event.topic === read.query.topic) &&
      (read.query.source === undefined || event.source === read.query.source) &&
      (since === undefined || at >= since) &&
      (until === undefined || at <= until)
    );
  });
  const missing = expected.filter(([key]) => !seen.has(key));
  if (missing.length > 0 || seen.size !== expected.length)
    flag(
      `the final walk of ${JSON.stringify(read.query)} returned ${seen.size} events, ${expected.length} are stored (${missing.length} missing, e.g. ${missing[0]?.[0]})`,
    );
}
