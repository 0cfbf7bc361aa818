import { randomBytes } from 'node:crypto';
import type { CountsBody } from '../../functions/domain/counts.ts';
import { type ApiTarget, callApi } from './api-client.ts';
import { countKeys, fetchStats, fetchTopicCounts } from './convergence.ts';

const started = Date.now();
export const clock = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
export const say = (text: string) => console.log(`${clock()}  ${text}`);

/** A demo's own topic (fresh each run) and a maker of events on it. */
export function demoTopic(name: string) {
  const topic = `demo.${name}.${randomBytes(3).toString('hex')}`;
  const event = (id: string, payload: Record<string, unknown> = {}) => ({
    topic,
    event_id: id,
    timestamp: new Date().toISOString(),
    source: 'demo',
    payload,
  });
  return { topic, event };
}

export async function publish(api: ApiTarget, events: unknown[]): Promise<string> {
  const response = await callApi(api, '/publish', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  const body = (await response.json()) as { request_id: string };
  if (response.status !== 202) throw new Error(`publish answered ${response.status}: ${JSON.stringify(body)}`);
  return body.request_id;
}

export async function topicCounts(
  api: ApiTarget,
  topic: string,
): Promise<CountsBody & { queue: { visible: number; in_flight: number; dead_letter: number } }> {
  const [stats, counts] = await Promise.all([fetchStats(api), fetchTopicCounts(api, [topic])]);
  return { ...counts[topic]!, queue: stats.queue };
}

export const describeCounts = (c: CountsBody) => `received ${c.received}, unique ${c.unique_processed}, duplicates ${c.duplicate_dropped}`;

export const sameCounts = (a: CountsBody, b: CountsBody) => countKeys.every((key) => a[key] === b[key]);
