import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbRequestRecords } from '../../functions/adapters/dynamo-request-records.ts';
import type { RequestRecord } from '../../functions/domain/request-record.ts';
import { clientOptions } from '../../scripts/lib/stack.ts';
import { stack } from '../support/api.ts';

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
);
const record = (version: number, leaseUntil = 0): RequestRecord => ({
  requestId: 'r',
  fingerprint: 'f',
  plan: Array.from({ length: 5000 }, () => ({ chunks: [1] })),
  enqueued: Array.from({ length: 5000 }, (_, i) => i % 2 === 0),
  named: [{ fingerprint: 'p', messages: Array.from({ length: 2500 }, (_, i) => 2 * i + 1) }],
  leaseUntil,
  version,
});

describe('request records in the idempotency table, against the emulator', () => {
  it('creates once, replaces only the version it read, and holds a 5,000-message plan', async () => {
    const records = new DynamoDbRequestRecords(client, stack.idempotencyTable, 60);
    const key = `it\n${randomUUID()}`;
    expect(await records.read(key)).toBeUndefined();
    expect(await records.create(key, record(0))).toBe(true);
    expect(await records.create(key, record(0))).toBe(false);
    expect(await records.read(key)).toEqual(record(0));
    expect(await records.replace(key, record(1, 42), 0)).toBe(true);
    // A second attempt that read version 0 loses.
    expect(await records.replace(key, record(1, 99), 0)).toBe(false);
    expect(await records.read(key)).toEqual(record(1, 42));
  });

  it('forgets a record after its lifetime, before DynamoDB TTL removes it, and lets a new one be created', async () => {
    const records = new DynamoDbRequestRecords(client, stack.idempotencyTable, 2);
    const key = `it\n${randomUUID()}`;
    expect(await records.create(key, record(0))).toBe(true);
    await sleep(3100);
    expect(await records.read(key)).toBeUndefined();
    expect(await records.create(key, record(7))).toBe(true);
    expect((await records.read(key))?.version).toBe(7);
  });
});
