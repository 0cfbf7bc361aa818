import type { Answer, Operation, PublishOperation, SentEvent } from './history.ts';
import type { RequestPlan } from './plan.ts';
import { bodyOf, eventOf, rangeQuery, without } from './requests.ts';

/**
 * A client as real ones behave: it sends each of its requests, retries after a 5xx, a 429, a 409
 * or an answer it never got (the same body under the same key; after a 503 not_enqueued, the named
 * events or the whole body), reuses keys (with the same body and with another), and reads. The
 * simulator and the chaos run give it their own way to make a request.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  path: '/publish' | '/events' | '/stats';
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
  caller: string;
}

export interface ClientDeps {
  /** Sends a request; with `loseAnswer`, the chance the client stops waiting (its outcome then unknown to it). */
  http(request: HttpRequest, loseAnswer: number): Promise<{ answer: Answer | 'unknown'; invokedAt: number; completedAt: number }>;
  walk(client: string, query: Record<string, string>): Promise<unknown>;
  readStats(client: string): Promise<unknown>;
  sleep(ms: number): Promise<void>;
  random(): number;
  record(op: Operation): void;
  /** When it says so, the client sends nothing more (the chaos run's time is up). */
  stopped?(): boolean;
}

export async function runClient(
  client: string,
  caller: string,
  requests: RequestPlan[],
  keyPrefix: string,
  deps: ClientDeps,
): Promise<void> {
  const { http, sleep, random } = deps;
  const sentBefore: Array<{ key?: string; events: SentEvent[]; request: RequestPlan }> = [];
  for (const [r, request] of requests.entries()) {
    if (deps.stopped?.()) return;
    await sleep(request.pauseMs);
    const earlier = request.keyOf && r > 0 && !without.has('key-reuse') ? sentBefore[request.keyOf.request % r] : undefined;
    const reused = earlier?.key !== undefined ? earlier : undefined;
    const sent = reused && request.keyOf?.body === 'same' ? reused.events : request.events.map(eventOf);
    let body = bodyOf(reused && request.keyOf?.body === 'same' ? reused.request : request, sent);
    const key = reused ? reused.key : request.keyed ? `${keyPrefix}-${r}` : undefined;
    sentBefore.push({ ...(key ? { key } : {}), events: sent, request });
    let retryOf: string | undefined;
    const publish = async (attempt: number, text: string, events: SentEvent[], loseAnswer: number) => {
      const headers = { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) };
      const query: Record<string, string> = request.wait ? { wait: String(request.wait) } : {};
      const result = await http({ method: 'POST', path: '/publish', query, headers, body: text, caller }, loseAnswer);
      const op: PublishOperation = {
        op: 'publish',
        client,
        seq: r,
        attempt,
        invokedAt: result.invokedAt,
        completedAt: result.completedAt,
        caller,
        ...(key ? { key } : {}),
        ...(request.wait ? { wait: request.wait } : {}),
        events,
        ...(retryOf ? { retryOf } : {}),
        answer: result.answer,
      };
      deps.record(op);
      return result.answer;
    };
    for (let attempt = 1; attempt <= 10 && !(attempt > 1 && deps.stopped?.()); attempt++) {
      const answer = await publish(attempt, body.text, body.events, request.loseAnswer);
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
      retryOf = undefined;
      await publish(99, JSON.stringify(other), other, 0);
    }
    if (request.read === 'stats') await deps.readStats(client);
    else if (request.read === 'topic')
      await deps.walk(client, { topic: String(sent[0]!.topic), limit: String(1 + Math.floor(random() * 4)) });
    else if (request.read === 'all') await deps.walk(client, { limit: String(1 + Math.floor(random() * 6)) });
    else if (request.read === 'range' && !without.has('ranges')) await deps.walk(client, rangeQuery(sent, random));
  }
}
