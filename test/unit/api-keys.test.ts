import { APIGatewayClient, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyDirectory } from '../../functions/adapters/api-keys.ts';
import { allows, scopeOf } from '../../functions/edge/access.ts';
import { credentialsOf } from '../../functions/edge/credentials.ts';
import { callerOf } from '../../functions/shared/http.ts';

const apiGateway = mockClient(APIGatewayClient);
let now = 0;
const directory = () => new ApiKeyDirectory(new APIGatewayClient({ region: 'us-east-1' }), { now: () => now, keepMs: 60_000 });
const key = (value: string, tags: Record<string, string> = {}) => ({ id: `id-${value}`, value, enabled: true, tags });

beforeEach(() => {
  apiGateway.reset();
  now = 0;
});

describe('the API key directory', () => {
  it('finds a new key within the miss interval, and reads at most once per interval for made-up keys', async () => {
    apiGateway
      .on(GetApiKeysCommand)
      .resolvesOnce({ items: [key('a')] })
      .resolves({ items: [key('a'), key('b')] });
    const keys = directory();
    expect(await keys.find('a')).toMatchObject({ id: 'id-a' });
    expect(await keys.find('b')).toBeUndefined();
    for (let i = 0; i < 50; i++) await keys.find(`made-up-${i}`);
    now += 19_000;
    for (let i = 0; i < 50; i++) await keys.find(`made-up-again-${i}`);
    expect(apiGateway.commandCalls(GetApiKeysCommand)).toHaveLength(1);
    now += 1_001;
    expect(await keys.find('b')).toMatchObject({ id: 'id-b' });
    expect(apiGateway.commandCalls(GetApiKeysCommand)).toHaveLength(2);
  });

  it('keeps the keys last read when a later read fails, but not past the stale limit', async () => {
    apiGateway
      .on(GetApiKeysCommand)
      .resolvesOnce({ items: [key('a')] })
      .rejects(new Error('throttled'));
    const keys = directory();
    await keys.find('a');
    now += 61_000;
    expect(await keys.find('a')).toMatchObject({ id: 'id-a' });
    now += 300_000;
    await expect(keys.find('a')).rejects.toThrow(/too long/);
  });

  it('fails, rather than deny every key, when its first read fails', async () => {
    apiGateway.on(GetApiKeysCommand).rejects(new Error('throttled'));
    await expect(directory().find('a')).rejects.toThrow(/too long/);
  });
});

describe('credentials and scopes', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  it('reads the candidate keys from every scheme shippers use, in order', () => {
    const keysOf = (headers: Record<string, string>) => credentialsOf(headers).map((c) => `${c.scheme}:${c.key}`);
    expect(keysOf({ 'X-Api-Key': 'k1' })).toEqual(['x-api-key:k1']);
    expect(keysOf({ Authorization: 'Bearer k2' })).toEqual(['bearer:k2']);
    expect(keysOf({ authorization: basic('user:k3') })).toEqual(['basic:k3', 'basic:user']);
    expect(keysOf({ authorization: basic('k4:') })).toEqual(['basic:k4']);
    expect(keysOf({ authorization: basic('k5:x') })).toEqual(['basic:x', 'basic:k5']);
    expect(keysOf({ authorization: basic('u:pa:ss') })).toEqual(['basic:pa:ss', 'basic:u']);
    expect(keysOf({ authorization: 'Splunk k6' })).toEqual(['splunk:k6']);
    const elastic = Buffer.from('key-id:k7').toString('base64');
    expect(keysOf({ authorization: `ApiKey ${elastic}` })).toEqual([`apikey:${elastic}`, 'apikey:k7']);
    expect(keysOf({ 'x-api-key': 'wrong', authorization: 'Bearer right' })).toEqual(['x-api-key:wrong', 'bearer:right']);
    expect(keysOf({ authorization: 'Digest x' })).toEqual([]);
    expect(keysOf({ authorization: basic(':') })).toEqual([]);
    expect(keysOf({})).toEqual([]);
  });

  it('names the caller by the key the authorizer found, whichever header carried it', () => {
    const event = (authorizer: unknown, headers: Record<string, string> = {}) =>
      ({ headers, requestContext: { authorizer, identity: {} } }) as never;
    expect(callerOf(event({ principalId: 'key-id-1' }, { authorization: 'Bearer x' }))).toBe('key-id-1');
    expect(callerOf(event(null, { 'x-api-key': 'k' }))).toMatch(/^key-/);
    expect(callerOf(event({ principalId: 'unknown' }))).toBe('anonymous');
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
