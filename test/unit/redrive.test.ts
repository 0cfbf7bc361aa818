import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { redrive } from '../../scripts/lib/redrive.ts';

const sqs = mockClient(SQSClient);
const queues = { deadLetterQueueUrl: 'dlq-url', deadLetterQueueArn: 'arn:dlq', queueUrl: 'queue-url', queueArn: 'arn:queue' };

beforeEach(() => sqs.reset());

describe('redrive', () => {
  it('uses SQS’s own message move task on AWS, and follows it until it completes', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3 }] })
      .resolves({ Results: [{ TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }] });
    expect(await redrive(new SQSClient({}), queues)).toEqual({ moved: 7, failed: 0, method: 'message-move-task' });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: 'arn:dlq', DestinationArn: 'arn:queue' });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('falls back to receive, send and delete where the endpoint has no move tasks', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('no'), { name: 'InvalidAction' }));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { Body: 'a', ReceiptHandle: 'r1' },
          { Body: 'b', ReceiptHandle: 'r2' },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'x', MD5OfMessageBody: '' },
        { Id: '1', MessageId: 'y', MD5OfMessageBody: '' },
      ],
      Failed: [],
    });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    expect(await redrive(new SQSClient({}), queues)).toEqual({ moved: 2, failed: 0, method: 'receive-send' });
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!.map((e) => e.MessageBody)).toEqual(['a', 'b']);
  });

  it('raises a move task that fails, with its reason', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ TaskHandle: 'task-2', Status: 'FAILED', FailureReason: 'AccessDenied' }] });
    await expect(redrive(new SQSClient({}), queues)).rejects.toThrow(/failed: AccessDenied/);
  });
});
