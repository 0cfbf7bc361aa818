import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientOptions } from '../../scripts/lib/stack.ts';
import { api, stack, topicCounts, topicSettled, untilKeyAccepted } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const post = (body: unknown, headers: Record<string, string> = {}, query = '') =>
  api(`/publish${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('Idempotency-Key on POST /publish', () => {
  it('replays the first answer for the same key and body, and no counter moves', async () => {
    const topic = uniqueTopic('idem-replay');
    const events = [makeEvent({ topic }), makeEvent({ topic })];
    const key = randomUUID();
    const first = await post(events, { 'idempotency-key': `"${key}"` });
    const again = await post(events, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await topicSettled(topic, 2)).toEqual({ received: 2, unique_processed: 2, duplicate_dropped: 0 });
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    const topic = uniqueTopic('idem-reuse');
    const key = randomUUID();
    expect((await post(makeEvent({ topic }), { 'idempotency-key': key })).status).toBe(202);
    const reused = await post(makeEvent({ topic }), { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: 'idempotency_key_reused', message: expect.any(String), details: expect.any(Array) });
  });

  it('answers 409 to a second request while the first is in flight, with Retry-After', async () => {
    const topic = uniqueTopic('idem-inflight');
    const key = randomUUID();
    const events = [makeEvent({ topic, payload: { _idemlog_fault: { mode: 'slow', ms: 3000 } } })];
    const first = post(events, { 'idempotency-key': key }, '?wait=5');
    await sleep(1000);
    const second = await post(events, { 'idempotency-key': key }, '?wait=5');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'idempotency_request_in_progress' });
    expect(second.headers.get('retry-after')).toBe('1');
    expect((await first).status).toBe(200);
  });

  it('gives the same answer, and counts once, when the client lost the first answer', async () => {
    const topic = uniqueTopic('idem-lost');
    const key = randomUUID();
    // Slow to apply, so that the first attempt is still waiting when its client gives up.
    const events = [makeEvent({ topic, payload: { _idemlog_fault: { mode: 'slow', ms: 2000 } } }), makeEvent({ topic })];
    // The client gives up while the function is still waiting: it cannot know what happened.
    const lost = new AbortController();
    const attempt = api('/publish?wait=3', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(events),
      signal: lost.signal,
    }).catch((error: Error) => error);
    setTimeout(() => lost.abort(), 300);
    expect(await attempt).toBeInstanceOf(Error);
    // Until the lost attempt finishes, the key answers 409 in progress.
    const retry = await vi.waitFor(
      async () => {
        const answer = await post(events, { 'idempotency-key': key }, '?wait=3');
        expect(answer.status, 'the first attempt still in progress').not.toBe(409);
        return answer;
      },
      { timeout: 15_000, interval: 500 },
    );
    expect([200, 202]).toContain(retry.status);
    expect(await topicSettled(topic, 2)).toEqual({ received: 2, unique_processed: 2, duplicate_dropped: 0 });
  });

  it('refuses a key over 255 characters, and behaves as before without one', async () => {
    const long = await post(makeEvent(), { 'idempotency-key': 'k'.repeat(256) });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: 'invalid_header' });
    const topic = uniqueTopic('idem-none');
    const event = makeEvent({ topic });
    expect((await post(event)).status).toBe(202);
    expect((await post(event)).status).toBe(202);
    expect(await topicSettled(topic, 2)).toEqual({ received: 2, unique_processed: 1, duplicate_dropped: 1 });
  });

  describe('scoped to the API key', () => {
    const apiGateway = new APIGatewayClient({ ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    let other: { id: string; value: string };

    beforeAll(async () => {
      const key = await apiGateway.send(new CreateApiKeyCommand({ name: `second-client-${randomUUID()}`, enabled: true }));
      const { items = [] } = await apiGateway.send(new GetUsagePlansCommand({}));
      const plan = items.find((p) => p.name === `idemlog-${stack.stage}`)!;
      await apiGateway.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: 'API_KEY' }));
      other = { id: key.id!, value: key.value! };
      await untilKeyAccepted(other.value);
    }, 90_000);
    afterAll(() => apiGateway.send(new DeleteApiKeyCommand({ apiKey: other.id })));

    it('lets two API keys use the same Idempotency-Key for different requests', async () => {
      const topic = uniqueTopic('idem-scope');
      const key = randomUUID();
      const mine = await post(makeEvent({ topic }), { 'idempotency-key': key });
      const theirs = await post(makeEvent({ topic }), { 'idempotency-key': key, 'x-api-key': other.value });
      expect([mine.status, theirs.status]).toEqual([202, 202]);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
      expect(theirs.body.request_id).not.toBe(mine.body.request_id);
      expect(await topicSettled(topic, 2)).toEqual({ received: 2, unique_processed: 2, duplicate_dropped: 0 });
    });
  });
});

describe('POST /publish?wait=', () => {
  it('answers 200 once applied, with each event stored or duplicate, in request order', async () => {
    const topic = uniqueTopic('wait');
    const old = makeEvent({ topic });
    expect((await post(old, {}, '?wait=10')).status).toBe(200);
    const fresh = makeEvent({ topic });
    const { status, body, headers } = await post([fresh, old, fresh], { prefer: 'wait=10' });
    expect(status).toBe(200);
    expect(headers.get('preference-applied')).toBe('wait=10');
    expect(body).toMatchObject({ status: 'applied', accepted: 3 });
    expect(body.events).toEqual([
      { index: 0, outcome: 'stored' },
      { index: 1, outcome: 'duplicate' },
      { index: 2, outcome: 'duplicate' },
    ]);
    // Read-your-writes: the counters already show it.
    expect(await topicCounts(topic)).toEqual({ received: 4, unique_processed: 2, duplicate_dropped: 2 });
  });

  it('answers 202 with what is still pending when the wait runs out, and the counts end exact', async () => {
    const topic = uniqueTopic('wait-out');
    const slow = makeEvent({ topic, payload: { _idemlog_fault: { mode: 'slow', ms: 3000 } } });
    const { status, body } = await post([slow], {}, '?wait=1');
    expect(status).toBe(202);
    expect(body).toMatchObject({ status: 'accepted', events: [{ index: 0, outcome: 'pending' }] });
    expect(await topicSettled(topic, 1)).toEqual({ received: 1, unique_processed: 1, duplicate_dropped: 0 });
  });

  it('refuses a wait over 20 seconds on the query, naming it', async () => {
    const { status, body } = await post(makeEvent(), {}, '?wait=21');
    expect(status).toBe(400);
    expect(body.details).toEqual([{ path: 'wait', message: expect.stringMatching(/0 to 20/) }]);
  });
});
