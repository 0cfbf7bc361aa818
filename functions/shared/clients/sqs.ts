import { SQSClient } from '@aws-sdk/client-sqs';
import { traceClient } from '../tracing.ts';
import { clientOptions, withoutUnusedMiddleware } from './options.ts';

let sqs: SQSClient | undefined;

/** The container's one SQS client, built on first use and reused by every invocation. */
export function sqsClient(): SQSClient {
  sqs ??= withoutUnusedMiddleware(traceClient(new SQSClient(clientOptions())));
  return sqs;
}
