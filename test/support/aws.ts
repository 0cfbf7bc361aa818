import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { clientOptions } from '../../scripts/lib/stack.ts';
import { stack } from './api.ts';

const options = { ...clientOptions(stack), credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(options));
export const sqs = new SQSClient(options);
export const lambda = new LambdaClient({ ...options, maxAttempts: 1 });

export function sqsRecord(body: string, messageId = randomUUID(), receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `test-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'vitest',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: stack.queueArn,
    awsRegion: stack.region,
  };
}

/** Invokes the deployed process function directly, as the SQS poller would, and returns its reply. */
export async function invokeProcess(records: SQSRecord[]): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  const event: SQSEvent = { Records: records };
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: stack.processFunction, Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const text = Buffer.from(result.Payload ?? []).toString('utf8');
  if (result.FunctionError) throw new Error(`process function failed: ${text}`);
  return JSON.parse(text);
}
