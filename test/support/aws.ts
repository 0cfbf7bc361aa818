import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { withRetries } from '../../functions/shared/retry.ts';
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

/** Some records were reported failed: SQS would deliver them again. */
class RecordsStillFailing extends Error {}
/** The invocation ran out of time: SQS would deliver the batch again. */
class InvocationTimedOut extends Error {}

/**
 * Delivers the records to the process function as SQS would: again and again, with a growing
 * receive count, until no record is reported as failed. An invocation that timed out is a failed
 * delivery of all its records, as it is for SQS. Returns how many deliveries it took.
 */
export async function processUntilApplied(records: SQSRecord[], maxDeliveries = 10): Promise<number> {
  let pending = records;
  return withRetries(
    async (delivery) => {
      const attempt = pending.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: String(delivery) } }));
      const { batchItemFailures } = await invokeProcess(attempt, 1);
      pending = pending.filter((r) => batchItemFailures.some((f) => f.itemIdentifier === r.messageId));
      if (pending.length > 0) throw new RecordsStillFailing(`${pending.length} record(s) still failing after ${delivery} deliveries`);
      return delivery;
    },
    { attempts: maxDeliveries, retryable: (error) => error instanceof RecordsStillFailing || error instanceof InvocationTimedOut },
  );
}

/**
 * Invokes the deployed process function directly, as the SQS poller would, and returns its reply.
 * An invocation that times out (the emulator counts a cold start, one Node worker per concurrent
 * invocation on 2 cores, against the 5 s timeout) is delivered again with the same records, with a
 * higher receive count, as SQS would redeliver it; the counts must still come out exact.
 */
export async function invokeProcess(records: SQSRecord[], attempts = 4): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  return withRetries(
    async (attempt) => {
      const event: SQSEvent = {
        Records: records.map((r) => ({
          ...r,
          attributes: { ...r.attributes, ApproximateReceiveCount: String(Number(r.attributes.ApproximateReceiveCount) + attempt - 1) },
        })),
      };
      // A throttle (the function's reserved concurrency is in use) never ran it: the poller keeps the
      // records and tries again, without counting a delivery.
      const result = await withRetries(
        () => lambda.send(new InvokeCommand({ FunctionName: stack.processFunction, Payload: Buffer.from(JSON.stringify(event)) })),
        { attempts: 40, retryable: (error) => (error as Error).name === 'TooManyRequestsException', minDelayMs: 100, maxDelayMs: 2000 },
      );
      const text = Buffer.from(result.Payload ?? []).toString('utf8');
      if (!result.FunctionError) return JSON.parse(text);
      if (text.includes('Timedout')) throw new InvocationTimedOut(`process function timed out: ${text}`);
      throw new Error(`process function failed: ${text}`);
    },
    { attempts, retryable: (error) => error instanceof InvocationTimedOut },
  );
}
