import { randomUUID } from 'node:crypto';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../scripts/lib/load.ts';
import { clientOptions } from '../../scripts/lib/stack.ts';
import { api, postJson, stack, topicSettled, untilKeyAccepted } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const apiGateway = new APIGatewayClient({ ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

describe('API keys', () => {
  it.each([
    ['POST', '/publish'],
    ['GET', '/stats'],
    ['GET', '/events'],
  ])('%s %s answers 401 without a key and 403 with a wrong one, in the API’s error shape', async (method, path) => {
    const request = (headers: Record<string, string>) =>
      api(path, { method, anonymous: true, headers, body: method === 'POST' ? JSON.stringify(makeEvent()) : undefined });
    const missing = await request({});
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: 'unauthorized' });
    const wrongKeys: Array<Record<string, string>> = [
      { 'x-api-key': 'not-a-key-of-this-api-0000' },
      { authorization: 'Bearer not-a-key-of-this-api-0000' },
    ];
    for (const headers of wrongKeys) {
      const wrong = await request(headers);
      expect(wrong.status).toBe(403);
      expect(wrong.body).toMatchObject({ error: 'forbidden' });
    }
  });

  it('lets /health through without a key, and takes the printed key everywhere else', async () => {
    expect((await api('/health', { anonymous: true })).status).toBe(200);
    expect((await postJson('/publish', makeEvent())).status).toBe(202);
    expect((await api('/stats?topics_limit=0')).status).toBe(200);
  });

  it('gives the deployed key a usage plan with a rate, a burst and a daily quota', async () => {
    const { items = [] } = await apiGateway.send(new GetUsagePlansCommand({}));
    const plan = items.find((p) => p.name === `idemlog-${stack.stage}`);
    expect(plan?.throttle).toEqual({ rateLimit: 500, burstLimit: 1000 });
    expect(plan?.quota).toMatchObject({ limit: 10_000_000, period: 'DAY' });
    expect(plan?.apiStages).toContainEqual(expect.objectContaining({ apiId: stack.restApiId, stage: stack.stage }));
  });
});

describe('throttling', () => {
  // A key of its own on a plan of 1 request/s, so that the deployed key's limits stay untouched.
  let slowKey: { id: string; value: string };
  let planId: string;

  beforeAll(async () => {
    const key = await apiGateway.send(new CreateApiKeyCommand({ name: `throttle-test-${randomUUID()}`, enabled: true }));
    const plan = await apiGateway.send(
      new CreateUsagePlanCommand({
        name: `throttle-test-${randomUUID()}`,
        apiStages: [{ apiId: stack.restApiId, stage: stack.stage }],
        throttle: { rateLimit: 1, burstLimit: 1 },
      }),
    );
    await apiGateway.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: 'API_KEY' }));
    slowKey = { id: key.id!, value: key.value! };
    planId = plan.id!;
    await untilKeyAccepted(slowKey.value);
    // The probes above may have used the one request a second the plan allows.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });

  afterAll(async () => {
    await apiGateway.send(new DeleteUsagePlanCommand({ usagePlanId: planId }));
    await apiGateway.send(new DeleteApiKeyCommand({ apiKey: slowKey.id }));
  });

  it('answers 429 past the key’s limit, with a JSON error body and Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api('/stats?topics_limit=0', { headers: { 'x-api-key': slowKey.value } })),
    );
    const throttled = answers.filter((a) => a.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const answer of throttled) {
      expect(answer.body).toMatchObject({ error: 'throttled', message: expect.any(String), details: [] });
      expect(answer.headers.get('retry-after')).toBe('1');
    }
  });

  it('is retried by the publisher until every event is accepted, counted once', async () => {
    const topic = uniqueTopic('throttled');
    const requests = Array.from({ length: 5 }, () => [{ ...makeEvent({ topic }), payload: {} }]);
    const load = await runLoad(requests, { api: { url: stack.apiUrl, key: slowKey.value }, concurrency: 5, maxAttempts: 12 });
    expect(load.statuses['429']).toBeGreaterThan(0);
    expect(load.accepted).toHaveLength(5);
    expect(load.abandoned).toBe(0);
    expect(await topicSettled(topic, 5)).toEqual({ received: 5, unique_processed: 5, duplicate_dropped: 0 });
  });
});
