import { randomUUID } from 'node:crypto';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions } from '../../scripts/lib/stack.ts';
import { api, stack, untilKeyAccepted } from '../support/api.ts';
import { lambda } from '../support/aws.ts';
import { makeEvent } from '../support/events.ts';

const apiGateway = new APIGatewayClient({ ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

// Keys with a scope (the tag idemlog:scope), on the deployed usage plan.
const keys: Record<'ingest' | 'read', { id: string; value: string }> = {} as never;

beforeAll(async () => {
  const { items = [] } = await apiGateway.send(new GetUsagePlansCommand({}));
  const plan = items.find((p) => p.name === `idemlog-${stack.stage}`)!;
  for (const scope of ['ingest', 'read'] as const) {
    const key = await apiGateway.send(
      new CreateApiKeyCommand({ name: `scope-${scope}-${randomUUID()}`, enabled: true, tags: { 'idemlog:scope': scope } }),
    );
    await apiGateway.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: 'API_KEY' }));
    keys[scope] = { id: key.id!, value: key.value! };
  }
  await untilKeyAccepted(keys.read.value);
  await untilKeyAccepted(keys.ingest.value, { path: '/v1/logs', method: 'POST', body: '{"resourceLogs":[]}' });
}, 150_000);

afterAll(async () => {
  for (const key of Object.values(keys)) await apiGateway.send(new DeleteApiKeyCommand({ apiKey: key.id }));
});

const call = (path: string, key: string) =>
  api(path, {
    method: path === '/publish' || path === '/v1/logs' ? 'POST' : 'GET',
    anonymous: true,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: path === '/publish' ? JSON.stringify(makeEvent()) : path === '/v1/logs' ? '{"resourceLogs":[]}' : undefined,
  });

describe('key scopes (docs/API.md, "Keys and scopes")', () => {
  it('lets an ingest-only key publish and ship, and refuses it on /events and /stats', async () => {
    expect((await call('/publish', keys.ingest.value)).status).toBe(202);
    expect((await call('/v1/logs', keys.ingest.value)).status).toBe(200);
    for (const path of ['/events', '/stats']) {
      const refused = await call(path, keys.ingest.value);
      expect(refused.status, path).toBe(403);
      expect(refused.body).toMatchObject({ error: 'forbidden' });
    }
  });

  it('lets a read key read, and refuses it on publish and the shippers’ paths', async () => {
    expect((await call('/stats', keys.read.value)).status).toBe(200);
    expect((await call('/events', keys.read.value)).status).toBe(200);
    for (const path of ['/publish', '/v1/logs']) expect((await call(path, keys.read.value)).status, path).toBe(403);
  });
});

describe('the authorizer, for keys sent in Authorization', () => {
  // MiniStack reads a usage plan's key only from x-api-key, so a request that carries its key only
  // in Authorization stops at the emulator's own key check, where AWS (apiKeySource AUTHORIZER)
  // takes the key the authorizer hands it. The deployed authorizer is asked directly instead.
  const authorize = async (headers: Record<string, string>, method = 'POST', path = 'v1/logs') => {
    const event = {
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:000000000000:${stack.restApiId}/${stack.stage}/${method}/${path}`,
      headers,
    };
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: `idemlog-${stack.stage}-authorize`, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    return { error: result.FunctionError, body: JSON.parse(Buffer.from(result.Payload!).toString()) };
  };
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it.each([
    ['Bearer', () => ({ authorization: `Bearer ${stack.apiKey}` })],
    ['Basic, the key as password', () => ({ authorization: basic('rsyslog', stack.apiKey) })],
    ['Basic, the key as user', () => ({ Authorization: basic(stack.apiKey, '') })],
    ['Splunk', () => ({ authorization: `Splunk ${stack.apiKey}` })],
    ['ApiKey', () => ({ authorization: `ApiKey ${stack.apiKey}` })],
  ])('allows the deployed key sent as %s, and hands it to the usage plan', async (_, headers) => {
    const { error, body } = await authorize(headers());
    expect(error).toBeUndefined();
    expect(body.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(body.usageIdentifierKey).toBe(stack.apiKey);
  });

  it('answers 401 without a key, denies a wrong one, and denies a scoped key outside its scope', async () => {
    expect((await authorize({})).body.errorMessage).toBe('Unauthorized');
    expect((await authorize({ authorization: 'Bearer wrong-key-0000000000' })).body.policyDocument.Statement[0].Effect).toBe('Deny');
    const reading = await authorize({ authorization: `Bearer ${keys.ingest.value}` }, 'GET', 'events');
    expect(reading.body.policyDocument.Statement[0].Effect).toBe('Deny');
    const shipping = await authorize({ authorization: `Splunk ${keys.ingest.value}` }, 'POST', 'services/collector/event');
    expect(shipping.body.policyDocument.Statement[0].Effect).toBe('Allow');
  });
});
