import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { PowertoolsIdempotencyGuard } from '../../functions/adapters/idempotency-guard.ts';
import { IdempotencyKeyReusedError } from '../../functions/domain/errors.ts';
import { clientOptions } from '../../scripts/lib/stack.ts';
import { stack } from '../support/api.ts';

const client = new DynamoDBClient({ ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

describe('the Powertools idempotency guard against the emulator', () => {
  it('runs the work once, replays it, refuses another fingerprint, and forgets the key after its time', async () => {
    const guard = new PowertoolsIdempotencyGuard(client, stack.idempotencyTable, 2);
    const key = `it-${randomUUID()}`;
    let runs = 0;
    const work = async () => ({ run: ++runs });
    expect(await guard.once(key, 'f1', work)).toEqual({ value: { run: 1 }, replayed: false });
    expect(await guard.once(key, 'f1', work)).toEqual({ value: { run: 1 }, replayed: true });
    await expect(guard.once(key, 'f2', work)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await sleep(3100);
    expect(await guard.once(key, 'f2', work)).toEqual({ value: { run: 2 }, replayed: false });
  });

  it('forgets a key whose work failed, so that a retry runs it', async () => {
    const guard = new PowertoolsIdempotencyGuard(client, stack.idempotencyTable, 60);
    const key = `it-${randomUUID()}`;
    await expect(guard.once(key, 'f', async () => Promise.reject(new Error('SQS refused it')))).rejects.toThrow('SQS refused it');
    expect(await guard.once(key, 'f', async () => ({ ok: true }))).toEqual({ value: { ok: true }, replayed: false });
  });
});
