import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseForRedelivery } from '../../functions/adapters/sqs-release.ts';
import { sqs } from '../support/aws.ts';

let queueUrl: string;

beforeAll(async () => {
  ({ QueueUrl: queueUrl } = (await sqs.send(
    new CreateQueueCommand({ QueueName: `idemlog-release-${Date.now()}`, Attributes: { VisibilityTimeout: '30' } }),
  )) as { QueueUrl: string });
});
afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
});

const receive = async () =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];

describe('releaseForRedelivery against the emulator', () => {
  it('makes received messages visible again at once instead of after the visibility timeout', async () => {
    for (const body of ['untouched-1', 'untouched-2', 'kept'])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const first = await receive();
    expect(first.map((m) => m.Body).sort()).toEqual(['kept', 'untouched-1', 'untouched-2']);
    expect(await receive()).toEqual([]);

    const untouched = first.filter((m) => m.Body !== 'kept').map((m) => m.ReceiptHandle!);
    const result = await releaseForRedelivery(sqs, queueUrl, untouched);
    expect(result).toEqual({ released: 2, failed: 0 });

    const again = await receive();
    expect(again.map((m) => m.Body).sort()).toEqual(['untouched-1', 'untouched-2']);
  });

  it('counts a handle SQS does not know as failed instead of throwing', async () => {
    expect(await releaseForRedelivery(sqs, queueUrl, ['not-a-receipt-handle'])).toEqual({ released: 0, failed: 1 });
  });
});
