import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stack, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

/** Raw requests: the emulator's own refusals (a throttled function) are not in idemlog's error shape. */
const post = (body: unknown, headers: Record<string, string>) =>
  fetch(`${stack.apiUrl}/publish?wait=6`, {
    method: 'POST',
    headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('limits that keep load from starving the pipeline (docs/OPERATIONS.md)', () => {
  it('throttles an open route on its own, answering 429 in the API’s error shape', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${stack.apiUrl}/openapi.json`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    const throttled = answers.find((a) => a.status === 429)!;
    expect(await throttled.json()).toMatchObject({ error: 'throttled' });
    // The key-protected routes have their own limits: /stats still answers.
    expect((await fetch(`${stack.apiUrl}/stats?topics_limit=0`, { headers: { 'x-api-key': stack.apiKey } })).status).toBe(200);
  });

  it('caps publish’s concurrency: a flood of waiting publishes is refused past the cap, and process still applies everything accepted', async () => {
    const topic = uniqueTopic('flood');
    // Slow to apply, so that each publish holds its execution through its wait.
    const bodies = Array.from({ length: 44 }, (_, i) => [
      makeEvent({ topic, event_id: `f${i}`, payload: { _idemlog_fault: { mode: 'slow', ms: 400 } } }),
    ]);
    const keys = bodies.map(() => randomUUID());
    const first = await Promise.all(bodies.map((body, i) => post(body, { 'idempotency-key': keys[i]! })));
    const statuses = first.map((a) => a.status);
    // The emulator refuses a function at its reserved concurrency with 429 (AWS: 503 unavailable).
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => [200, 202, 429].includes(s))).toBe(true);
    // The refused are retried under their keys; every event ends stored and counted once.
    const retried = bodies.flatMap((body, i) => (statuses[i] === 429 ? [post(body, { 'idempotency-key': keys[i]! })] : []));
    for (const answer of await Promise.all(retried)) expect([200, 202]).toContain(answer.status);
    expect(await topicSettled(topic, bodies.length, 180_000)).toEqual({
      received: bodies.length,
      unique_processed: bodies.length,
      duplicate_dropped: 0,
    });
  });
});
