import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchesOf, SqsEventQueue } from '../../functions/adapters/sqs-queue.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { ingest } from '../../functions/domain/ingest.ts';
import { NotEnqueuedError } from '../../functions/shared/errors.ts';
import { makeEvent } from '../support/events.ts';

const sqs = mockClient(SQSClient);
const noWait = { sleep: async () => {} };
const message = (id: string, bytes = 10) => ({ id, body: 'x'.repeat(bytes), indexes: [0] });

beforeEach(() => sqs.reset());

describe('SqsEventQueue', () => {
  it('groups at most 10 messages and 256 KiB per SendMessageBatch', () => {
    expect(batchesOf(Array.from({ length: 25 }, (_, i) => message(`m${i}`))).map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batchesOf(Array.from({ length: 4 }, (_, i) => message(`m${i}`, 100_000))).map((b) => b.length)).toEqual([2, 2]);
  });

  it('re-sends only the entries SQS refused', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'b', MD5OfMessageBody: '' }], Failed: [] });
    const result = await new SqsEventQueue(new SQSClient({}), 'q', noWait).sendAll([message('m0'), message('m1')]);
    expect(result.failedIds).toEqual([]);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries).toEqual([{ Id: '0', MessageBody: message('m1').body }]);
  });

  it('reports what is still refused after its attempts, and publish names those events', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(({ Entries }) => ({
      Successful: [],
      Failed: Entries.map((e: { Id: string }) => ({ Id: e.Id, Code: 'ServiceUnavailable', SenderFault: false })),
    }));
    const queue = new SqsEventQueue(new SQSClient({}), 'q', { ...noWait, attempts: 3 });
    const events = [makeEvent({ event_id: 'a' }), makeEvent({ event_id: 'b' })].map((e) => eventSchema.parse(e));
    const error = await ingest(events, queue, { requestId: 'r', eventsPerMessage: 1, eventsPerTransaction: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(NotEnqueuedError);
    expect(error.details.map((d: { event_id: string }) => d.event_id)).toEqual(['a', 'b']);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('treats a thrown send as nothing sent, and retries it', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(new Error('socket hang up'))
      .resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }], Failed: [] });
    const result = await new SqsEventQueue(new SQSClient({}), 'q', noWait).sendAll([message('m0')]);
    expect(result.failedIds).toEqual([]);
  });
});
