import { APIGatewayClient, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyDirectory } from '../../functions/adapters/api-keys.ts';
import { allows, scopeOf } from '../../functions/edge/access.ts';
import { credentialOf } from '../../functions/edge/credentials.ts';

const apiGateway = mockClient(APIGatewayClient);
let now = 0;
const directory = () => new ApiKeyDirectory(new APIGatewayClient({ region: 'us-east-1' }), () => now);
const key = (value: string, tags: Record<string, string> = {}) => ({ id: `id-${value}`, value, enabled: true, tags });

beforeEach(() => {
  apiGateway.reset();
  now = 0;
});

describe('the API key directory', () => {
  it('finds a key created a moment ago within a second, and reads at most once a second for made-up keys', async () => {
    apiGateway
      .on(GetApiKeysCommand)
      .resolvesOnce({ items: [key('a')] })
      .resolves({ items: [key('a'), key('b')] });
    const keys = directory();
    expect(await keys.find('a')).toMatchObject({ id: 'id-a' });
    expect(await keys.find('b')).toBeUndefined();
    for (let i = 0; i < 50; i++) await keys.find(`made-up-${i}`);
    expect(apiGateway.commandCalls(GetApiKeysCommand)).toHaveLength(1);
    now += 1001;
    expect(await keys.find('b')).toMatchObject({ id: 'id-b' });
    expect(apiGateway.commandCalls(GetApiKeysCommand)).toHaveLength(2);
  });

  it('keeps the keys last read when a later read fails', async () => {
    apiGateway
      .on(GetApiKeysCommand)
      .resolvesOnce({ items: [key('a')] })
      .rejects(new Error('throttled'));
    const keys = directory();
    await keys.find('a');
    now += 61_000;
    expect(await keys.find('a')).toMatchObject({ id: 'id-a' });
  });
});

describe('credentials and scopes', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  it('reads the key from every scheme shippers use', () => {
    expect(credentialOf({ 'X-Api-Key': 'k1' })).toEqual({ key: 'k1', scheme: 'x-api-key' });
    expect(credentialOf({ Authorization: 'Bearer k2' })).toEqual({ key: 'k2', scheme: 'bearer' });
    expect(credentialOf({ authorization: basic('user:k3') })).toEqual({ key: 'k3', scheme: 'basic' });
    expect(credentialOf({ authorization: basic('k4:') })).toEqual({ key: 'k4', scheme: 'basic' });
    expect(credentialOf({ authorization: 'Splunk k5' })).toEqual({ key: 'k5', scheme: 'splunk' });
    expect(credentialOf({ authorization: 'ApiKey k6' })).toEqual({ key: 'k6', scheme: 'apikey' });
    expect(credentialOf({ authorization: 'Digest x' })).toBeUndefined();
    expect(credentialOf({ authorization: basic(':') })).toBeUndefined();
    expect(credentialOf({})).toBeUndefined();
  });

  it('gives each scope its routes and nothing else', () => {
    const arn = (call: string) => `arn:aws:execute-api:us-east-1:1:api/prod/${call}`;
    expect(scopeOf({})).toBe('all');
    expect(scopeOf({ 'idemlog:scope': 'admin' })).toBeUndefined();
    for (const call of [
      'POST/publish',
      'POST/v1/logs',
      'POST/loki/api/v1/push',
      'POST/_bulk',
      'POST/web/_bulk',
      'POST/services/collector/event',
    ])
      expect(allows('ingest', arn(call)), call).toBe(true);
    for (const call of ['GET/events', 'GET/stats', 'DELETE/publish', 'POST/a/b/_bulk'])
      expect(allows('ingest', arn(call)), call).toBe(false);
    expect(allows('read', arn('GET/stats'))).toBe(true);
    expect(allows('read', arn('POST/publish'))).toBe(false);
    expect(allows('all', arn('GET/anything'))).toBe(true);
  });
});
