import { seededRandom } from '../random.ts';

/**
 * DynamoDB's transaction conflict rule, on a timeline: a TransactWriteItems that touches an item
 * another transaction still in progress holds is cancelled (TransactionConflict). MiniStack
 * serialises everything and never raises it, so the consumer's real transactions (their item
 * keys, recorded from a replay of the real code) are replayed here against that rule, with N
 * consumers taking messages as an SQS trigger hands them out, the consumer's own retry policy,
 * SQS's visibility timeout and the DLQ's receive count.
 *
 * Latency is lognormal: median `medianMs`, spread `sigma` (a long right tail: p99 = median ·
 * e^(2.33·sigma)). Transactions of this size take 10–30 ms on AWS (A. DeBrie, "DynamoDB
 * Transactions Performance Testing"; the issue's own estimate): the defaults are a median of
 * 20 ms and sigma 0.5 (p99 ≈ 64 ms). A transaction holds its items for its whole latency, which
 * overstates the window the service holds them (the network part holds nothing).
 */
export interface ConflictModelInput {
  /**
   * Each message's transactions, in order: the item keys each one writes; and before which of them
   * the consumer read first (one pre-read covers a message's chunks while their keys fit one
   * BatchGetItem; without the list, before each).
   */
  messages: Array<{ arrivalMs: number; transactions: string[][]; preReadBefore?: boolean[] }>;
  consumers: number;
  latency: { medianMs: number; sigma: number };
  /** A pre-read's latency (BatchGetItem). */
  peek: { medianMs: number; sigma: number };
  /** The consumer's retry of a cancelled transaction (functions/domain/consume.ts: settle). */
  retry: { attempts: number; minDelayMs: number; maxDelayMs: number };
  visibilityTimeoutMs: number;
  maxReceives: number;
  seed: number;
  /** What an item key belongs to, for the per-class figures (e.g. totals, topic counter, event). */
  classOf: (key: string) => string;
}

export interface ConflictModelResult {
  messages: number;
  transactions: number;
  attempts: number;
  /** Attempts cancelled because another transaction held one of their items. */
  cancelled: number;
  cancelledShare: number;
  retriesPerTransaction: number;
  /** Transactions that were still cancelled after every attempt: their message fails and is received again. */
  exhausted: number;
  redeliveries: number;
  deadLettered: number;
  /** Per item class: how many attempts were cancelled on an item of that class. */
  conflictsByClass: Record<string, number>;
  /** The busiest item of each class: attempts cancelled on it. */
  hottestByClass: Record<string, { key: string; conflicts: number }>;
  /** Mean number of consumers busy, and the simulated span. */
  busyConsumers: number;
  spanMs: number;
}

interface Job {
  message: number;
  /** The next transaction to apply (earlier ones committed on an earlier receive). */
  next: number;
  receives: number;
}

type Step =
  | { at: number; kind: 'arrive'; job: Job }
  | { at: number; kind: 'attempt'; consumer: number; attempt: number }
  | { at: number; kind: 'committed'; consumer: number }
  | { at: number; kind: 'failed'; consumer: number };

/** A binary heap of steps by time: the simulation takes them in the order they happen. */
class Timeline {
  private readonly heap: Step[] = [];

  push(step: Step): void {
    const heap = this.heap;
    heap.push(step);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  pop(): Step | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let least = i;
        if (l < heap.length && heap[l]!.at < heap[least]!.at) least = l;
        if (r < heap.length && heap[r]!.at < heap[least]!.at) least = r;
        if (least === i) break;
        [heap[least], heap[i]] = [heap[i]!, heap[least]!];
        i = least;
      }
    }
    return top;
  }
}

export function simulateConflicts(input: ConflictModelInput): ConflictModelResult {
  const random = seededRandom(input.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const draw = ({ medianMs, sigma }: { medianMs: number; sigma: number }) => medianMs * Math.exp(sigma * normal());
  const result: ConflictModelResult = {
    messages: input.messages.length,
    transactions: 0,
    attempts: 0,
    cancelled: 0,
    cancelledShare: 0,
    retriesPerTransaction: 0,
    exhausted: 0,
    redeliveries: 0,
    deadLettered: 0,
    conflictsByClass: {},
    hottestByClass: {},
    busyConsumers: 0,
    spanMs: 0,
  };
  // Items held by transactions in progress: key -> when the hold ends. Steps are taken in time
  // order, so a hold in the map began at or before the step that reads it.
  const held = new Map<string, number>();
  const conflictsByKey = new Map<string, number>();
  const timeline = new Timeline();
  const ready: Job[] = [];
  const working: Array<Job | undefined> = Array.from({ length: input.consumers }, () => undefined);
  const idle: number[] = Array.from({ length: input.consumers }, (_, i) => input.consumers - 1 - i);
  const busySince: number[] = Array.from({ length: input.consumers }, () => 0);
  let busyMs = 0;
  let lastAt = 0;
  input.messages.forEach((message, i) => {
    timeline.push({ at: message.arrivalMs, kind: 'arrive', job: { message: i, next: 0, receives: 0 } });
  });

  const begin = (consumer: number, job: Job, now: number) => {
    working[consumer] = job;
    busySince[consumer] = now;
    job.receives++;
    timeline.push({ at: now + readFirst(job, 0), kind: 'attempt', consumer, attempt: 1 });
  };
  const readFirst = (job: Job, transaction: number) =>
    (input.messages[job.message]!.preReadBefore?.[transaction] ?? true) ? draw(input.peek) : 0;
  const release = (consumer: number, now: number) => {
    busyMs += now - busySince[consumer]!;
    working[consumer] = undefined;
    const job = ready.shift();
    if (job) begin(consumer, job, now);
    else idle.push(consumer);
  };

  for (let step = timeline.pop(); step; step = timeline.pop()) {
    const now = step.at;
    lastAt = Math.max(lastAt, now);
    if (step.kind === 'arrive') {
      const consumer = idle.pop();
      if (consumer === undefined) ready.push(step.job);
      else begin(consumer, step.job, now);
      continue;
    }
    const job = working[step.consumer]!;
    const transactions = input.messages[job.message]!.transactions;
    if (step.kind === 'committed') {
      job.next++;
      if (job.next < transactions.length)
        timeline.push({ at: now + readFirst(job, job.next), kind: 'attempt', consumer: step.consumer, attempt: 1 });
      else release(step.consumer, now);
      continue;
    }
    if (step.kind === 'failed') {
      release(step.consumer, now);
      if (job.receives >= input.maxReceives) result.deadLettered++;
      else {
        result.redeliveries++;
        timeline.push({ at: now + input.visibilityTimeoutMs, kind: 'arrive', job });
      }
      continue;
    }
    // An attempt at the next transaction of the consumer's message.
    const keys = transactions[job.next]!;
    if (step.attempt === 1) result.transactions++;
    result.attempts++;
    const latency = draw(input.latency);
    const blocking = keys.filter((key) => (held.get(key) ?? 0) > now);
    if (blocking.length === 0) {
      for (const key of keys) held.set(key, now + latency);
      timeline.push({ at: now + latency, kind: 'committed', consumer: step.consumer });
      continue;
    }
    result.cancelled++;
    for (const key of blocking) {
      const kind = input.classOf(key);
      result.conflictsByClass[kind] = (result.conflictsByClass[kind] ?? 0) + 1;
      conflictsByKey.set(key, (conflictsByKey.get(key) ?? 0) + 1);
    }
    // A cancelled transaction answers after about half a round; then the consumer backs off.
    const answered = now + latency / 2;
    if (step.attempt < input.retry.attempts) {
      const backoff = Math.min(input.retry.maxDelayMs, input.retry.minDelayMs * 2 ** (step.attempt - 1)) * (1 + random());
      // The consumer retries the commit without reading again (functions/domain/consume.ts: settle).
      timeline.push({ at: answered + backoff, kind: 'attempt', consumer: step.consumer, attempt: step.attempt + 1 });
    } else {
      result.exhausted++;
      timeline.push({ at: answered, kind: 'failed', consumer: step.consumer });
    }
  }
  for (const [key, conflicts] of conflictsByKey) {
    const kind = input.classOf(key);
    if ((result.hottestByClass[kind]?.conflicts ?? 0) < conflicts) result.hottestByClass[kind] = { key, conflicts };
  }
  result.cancelledShare = result.attempts === 0 ? 0 : result.cancelled / result.attempts;
  result.retriesPerTransaction = result.transactions === 0 ? 0 : (result.attempts - result.transactions) / result.transactions;
  result.spanMs = lastAt - (input.messages[0]?.arrivalMs ?? 0);
  result.busyConsumers = result.spanMs === 0 ? 0 : busyMs / result.spanMs;
  return result;
}
