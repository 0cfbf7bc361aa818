import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { batchesOf, SqsEventQueue } from '../../functions/adapters/sqs-queue.ts';
import { DependencyError, NotEnqueuedError } from '../../functions/domain/errors.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { publish } from '../../functions/domain/publish.ts';
import { toErrorReply } from '../../functions/shared/http.ts';
import { logger } from '../../functions/shared/logger.ts';
import { makeEvent } from '../support/events.ts';
import { MemoryRequestRecords } from '../support/memory-request-records.ts';

const sqs = mockClient(SQSClient);
const message = (id: string, bytes = 10) => ({ body: `${id}:${'x'.repeat(bytes)}`, chunks: [{ id, positions: [0] }] });
const awsError = (name: string, status: number, fault: 'client' | 'server') =>
  Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

beforeEach(() => sqs.reset());

describe('SqsEventQueue', () => {
  it('groups at most 10 messages and 256 KiB per SendMessageBatch', () => {
    const same = <T>(m: T) => m;
    expect(
      batchesOf(
        Array.from({ length: 25 }, (_, i) => message(`m${i}`)),
        same,
      ).map((b) => b.length),
    ).toEqual([10, 10, 5]);
    expect(
      batchesOf(
        Array.from({ length: 4 }, (_, i) => message(`m${i}`, 100_000)),
        same,
      ).map((b) => b.length),
    ).toEqual([2, 2]);
  });

  it('re-sends only the entries SQS refused', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'b', MD5OfMessageBody: '' }], Failed: [] });
    const result = await new SqsEventQueue(new SQSClient({}), 'q').sendAll([message('m0'), message('m1')]);
    expect(result).toEqual(['enqueued', 'enqueued']);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries).toEqual([{ Id: '0', MessageBody: message('m1').body }]);
  });

  it('reports what is still refused after its attempts, and publish names those events in a 503', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(({ Entries }) => ({
      Successful: [],
      Failed: Entries.map((e: { Id: string }) => ({ Id: e.Id, Code: 'ServiceUnavailable', SenderFault: false })),
    }));
    const queue = new SqsEventQueue(new SQSClient({}), 'q', { attempts: 3 });
    const events = [makeEvent({ event_id: 'a' }), makeEvent({ event_id: 'b' })].map((e) => eventSchema.parse(e));
    const services = {
      queue,
      outcomes: { outcomesOf: async () => new Map() },
      records: new MemoryRequestRecords(),
      packing: { eventsPerMessage: 1, eventsPerTransaction: 1 },
    };
    const error = await publish({ events, caller: 'k' }, services, { waitLimitMs: 0, leaseMs: 1000 }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEnqueuedError);
    expect(error.details.map((d: { index: number; enqueued: string }) => [d.index, d.enqueued])).toEqual([
      [0, 'no'],
      [1, 'no'],
    ]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
    expect(toErrorReply(error)).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '1' },
      body: { error: 'not_enqueued', accepted: 0 },
    });
  });

  it('retries a transient error the SDK gave up on', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(awsError('ServiceUnavailable', 503, 'server'))
      .resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }], Failed: [] });
    const result = await new SqsEventQueue(new SQSClient({}), 'q').sendAll([message('m0')]);
    expect(result).toEqual(['enqueued']);
  });

  it('calls a message SQS may have taken unknown, never not enqueued: a 5xx or a timeout may come after the write; a throttle does not', async () => {
    const queue = new SqsEventQueue(new SQSClient({}), 'q', { attempts: 2 });
    sqs.on(SendMessageBatchCommand).rejects(awsError('InternalError', 500, 'server'));
    expect(await queue.sendAll([message('m0')])).toEqual(['unknown']);
    sqs.reset();
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(awsError('TimeoutError', 0, 'client'), { $metadata: {} }));
    expect(await queue.sendAll([message('m0')])).toEqual(['unknown']);
    sqs.reset();
    sqs.on(SendMessageBatchCommand).rejects(awsError('ThrottlingException', 400, 'client'));
    expect(await queue.sendAll([message('m0')])).toEqual(['not-enqueued']);
    sqs.reset();
    // Unknown once stays unknown, even if a later attempt is refused outright.
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(awsError('InternalError', 500, 'server'))
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }] });
    expect(await queue.sendAll([message('m0')])).toEqual(['unknown']);
    sqs.reset();
    // An answer that names neither outcome for an entry: not known.
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    expect(await queue.sendAll([message('m0')])).toEqual(['unknown']);
  });

  it.each([
    ['AccessDenied', 403],
    ['QueueDoesNotExist', 400],
  ])('does not dress %s up as a retryable 503: it is a 500, logged with its cause', async (name, status) => {
    sqs.on(SendMessageBatchCommand).rejects(awsError(name, status, 'client'));
    const error = await new SqsEventQueue(new SQSClient({}), 'q').sendAll([message('m0')]).catch((e) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.cause).toMatchObject({ name });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => {});
    expect(toErrorReply(error)).toMatchObject({ status: 500, body: { error: 'internal_error' } });
    expect(logged).toHaveBeenCalledOnce();
    expect(logged.mock.calls[0]![1]).toMatchObject({ error: { name: 'DependencyError', cause: { name } } });
    logged.mockRestore();
  });
});
