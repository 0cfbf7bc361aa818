import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface RedriveResult {
  moved: number;
  failed: number;
}

/**
 * Moves every message from the dead-letter queue back to the main queue, unchanged. A message is
 * deleted from the DLQ only after the main queue acknowledged it, so none is lost; if a delete
 * fails the message may be moved twice, which the consumer's delivery markers make harmless.
 */
export async function redrive(sqs: SQSClient, from: string, to: string, onMoved?: (moved: number) => void): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, failed: 0 };
  for (let emptyPolls = 0; emptyPolls < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) {
      emptyPolls++;
      continue;
    }
    emptyPolls = 0;
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: to, Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body! })) }),
    );
    const moved = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]!);
    result.failed += (sent.Failed ?? []).length;
    if (moved.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
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
