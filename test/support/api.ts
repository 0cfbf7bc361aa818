import { expect, vi } from 'vitest';
import { type ApiTarget, apiTargetOf } from '../../scripts/lib/api-client.ts';
import { readStack } from '../../scripts/lib/stack.ts';
import { expectDocumented } from './openapi.ts';

export const stack = readStack();

/** The deployed API for the scripts' clients, every answer checked against the OpenAPI description. */
export const testApi: ApiTarget = { ...apiTargetOf(stack), inspect: expectDocumented };
export const checked = (target: ApiTarget): ApiTarget => ({ ...target, inspect: expectDocumented });

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiRequest extends RequestInit {
  /** Send no x-api-key, as a stranger would. */
  anonymous?: boolean;
  /** The raw body text, besides the parsed body. */
  text?: boolean;
}

/** A request to the deployed API with the stack's API key, unless `anonymous`. */
export async function api<T = any>(path: string, { anonymous, ...init }: ApiRequest = {}): Promise<ApiResponse<T> & { text: string }> {
  const headers = { ...(anonymous ? {} : { 'x-api-key': stack.apiKey }), ...(init.headers as Record<string, string> | undefined) };
  const response = await fetch(`${stack.apiUrl}${path}`, { ...init, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // left as text: a test asserting JSON fails on it
  }
  expectDocumented(init.method ?? 'GET', path, response.status, body);
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export const publish = (body: unknown) => postJson('/publish', body);

export const stats = async () => (await api('/stats')).body;

export interface TopicCounts {
  received: number;
  unique_processed: number;
  duplicate_dropped: number;
}

/** One topic's counters, or undefined before its first event is counted. */
export const topicCounts = async (topic: string): Promise<TopicCounts | undefined> =>
  (await api(`/stats?topic=${encodeURIComponent(topic)}`)).body.topics?.[topic];

/** Every topic's counters, following /stats' topic pages to the end. */
export async function everyTopicCounts(): Promise<Record<string, TopicCounts>> {
  const all: Record<string, TopicCounts> = {};
  let cursor: string | null = null;
  do {
    const { body }: ApiResponse = await api(`/stats?topics_limit=1000${cursor ? `&topics_cursor=${encodeURIComponent(cursor)}` : ''}`);
    Object.assign(all, body.topics);
    cursor = body.topics_next_cursor ?? null;
  } while (cursor);
  return all;
}

/** Waits until a topic's counters reach `received` and the queue holds nothing more. */
export async function topicSettled(topic: string, received: number, timeoutMs = 90_000) {
  return vi.waitFor(
    async () => {
      const [current, counters] = await Promise.all([stats(), topicCounts(topic)]);
      expect(counters?.received, `topic ${topic}'s received`).toBeGreaterThanOrEqual(received);
      expect(current.queue.visible + current.queue.in_flight, 'messages still queued').toBe(0);
      return counters!;
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/** Waits until the queue is empty and the counters have stopped moving. */
export async function drained(timeoutMs = 120_000) {
  let previous = '';
  return vi.waitFor(
    async () => {
      const current = await stats();
      const fingerprint = `${current.received}/${current.unique_processed}/${current.duplicate_dropped}/${current.rejected}`;
      const moved = fingerprint !== previous;
      previous = fingerprint;
      expect(current.queue.visible + current.queue.in_flight, 'messages still queued').toBe(0);
      expect(moved, 'counters still moving').toBe(false);
      return current;
    },
    { timeout: timeoutMs, interval: 500 },
  );
}

/**
 * Waits until the authorizer knows a key created a moment ago: it reads the keys again at most
 * every 20 s after a miss (functions/adapters/api-keys.ts), so a new key may be refused until then.
 */
export async function untilKeyAccepted(
  key: string,
  call: { path: string; method?: string; body?: string } = { path: '/stats?topics_limit=0' },
) {
  await vi.waitFor(
    async () => {
      const { status } = await api(call.path, {
        method: call.method ?? 'GET',
        anonymous: true,
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: call.body,
      });
      expect(status, 'the new key is still refused').not.toBe(403);
    },
    { timeout: 60_000, interval: 2000 },
  );
}
