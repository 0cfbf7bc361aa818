import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../tracer.ts';
import { clientOptions } from './options.ts';

let sqs: SQSClient | undefined;

/** The container's one SQS client, built on first use and reused by every invocation. */
export function sqsClient(): SQSClient {
  sqs ??= tracer.captureAWSv3Client(new SQSClient(clientOptions()));
  return sqs;
}
