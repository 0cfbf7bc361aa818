import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { pollUntil } from '../../functions/shared/retry.ts';

export interface RedriveResult {
  moved: number;
  failed: number;
  /** How the messages were moved: SQS's own move task, or receive-and-send where the endpoint has no move tasks. */
  method: 'message-move-task' | 'receive-send';
}

export interface Queues {
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  queueArn: string;
  queueUrl: string;
}

/**
 * Moves every message from the dead-letter queue back to the main queue, unchanged. On AWS this is
 * SQS's StartMessageMoveTask (the console's "Start DLQ redrive"), followed until it completes; an
 * endpoint without it (the emulator) gets the same effect by receive, send, delete.
 */
export async function redrive(sqs: SQSClient, queues: Queues, onMoved?: (moved: number) => void): Promise<RedriveResult> {
  let taskHandle: string | undefined;
  try {
    ({ TaskHandle: taskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: queues.deadLetterQueueArn, DestinationArn: queues.queueArn }),
    ));
  } catch (error) {
    const name = (error as Error).name;
    if (!/InvalidAction|UnsupportedOperation|UnknownOperation|NotImplemented/.test(name)) throw error;
  }
  if (taskHandle === undefined) return receiveAndSend(sqs, queues, onMoved);
  const finished = async (): Promise<RedriveResult | undefined> => {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: queues.deadLetterQueueArn, MaxResults: 1 }));
    const task = Results.find((t) => t.TaskHandle === taskHandle) ?? Results[0];
    onMoved?.(Number(task?.ApproximateNumberOfMessagesMoved ?? 0));
    if (task?.Status === 'COMPLETED')
      return { moved: Number(task.ApproximateNumberOfMessagesMoved ?? 0), failed: 0, method: 'message-move-task' };
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new RedriveFailedError(`the DLQ redrive task ${task.Status.toLowerCase()}: ${task.FailureReason ?? 'no reason given'}`);
    }
    return undefined;
  };
  // SQS moves up to 500 messages a second; a day is a bound, not an expectation.
  return pollUntil(finished, { what: 'the DLQ redrive task', timeoutMs: 24 * 3600_000, intervalMs: 2000 });
}

/** The redrive task stopped without moving everything. */
class RedriveFailedError extends Error {
  override readonly name = 'RedriveFailedError';
}

/**
 * A message is deleted from the DLQ only after the main queue acknowledged it, so none is lost; if
 * a delete fails the message may be moved twice, which the consumer's delivery markers make harmless.
 */
async function receiveAndSend(sqs: SQSClient, queues: Queues, onMoved?: (moved: number) => void): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, failed: 0, method: 'receive-send' };
  for (let emptyPolls = 0; emptyPolls < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) {
      emptyPolls++;
      continue;
    }
    emptyPolls = 0;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body! })),
      }),
    );
    const moved = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]!);
    result.failed += (sent.Failed ?? []).length;
    if (moved.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues.deadLetterQueueUrl,
          Entries: moved.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    result.moved += moved.length;
    onMoved?.(result.moved);
    if (result.failed > 0) break;
  }
  return result;
}
