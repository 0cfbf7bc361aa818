import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth } from '../domain/api-schemas.ts';

export class SqsDepth {
  private readonly client: SQSClient;
  private readonly queues: { queueUrl: string; deadLetterUrl: string };

  constructor(client: SQSClient, queues: { queueUrl: string; deadLetterUrl: string }) {
    this.client = client;
    this.queues = queues;
  }

  async read(signal?: AbortSignal): Promise<QueueDepth> {
    const [main, dead] = await Promise.all([
      this.attributes(this.queues.queueUrl, signal),
      this.attributes(this.queues.deadLetterUrl, signal),
    ]);
    return {
      visible: Number(main.ApproximateNumberOfMessages ?? 0),
      in_flight: Number(main.ApproximateNumberOfMessagesNotVisible ?? 0),
      dead_letter: Number(dead.ApproximateNumberOfMessages ?? 0) + Number(dead.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  private async attributes(queueUrl: string, signal?: AbortSignal) {
    const { Attributes } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
      { abortSignal: signal },
    );
    return Attributes ?? {};
  }
}
