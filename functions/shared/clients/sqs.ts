import { SendMessageBatchCommand, SendMessageBatchRequest$, SQSClient } from '@aws-sdk/client-sqs';
import { traceClient } from '../tracing.ts';
import { withDirectCalls } from './direct-calls.ts';
import { clientOptions, withoutUnusedMiddleware } from './options.ts';
import { withPlainJsonBodies } from './plain-json.ts';

let sqs: SQSClient | undefined;

/** The container's one SQS client, built on first use and reused by every invocation. */
export function sqsClient(): SQSClient {
  // Publish's one call per request.
  sqs ??= withDirectCalls(
    withPlainJsonBodies(withoutUnusedMiddleware(traceClient(new SQSClient(clientOptions()))), [SendMessageBatchRequest$]),
    [SendMessageBatchCommand],
  );
  return sqs;
}
