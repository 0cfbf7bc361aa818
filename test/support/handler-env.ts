import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';

/**
 * For a handler's unit tests: mocks the SDK clients it builds and stubs the configuration it
 * parses when loaded (names only, nothing reachable, Powertools quiet), loads it once, and resets
 * the mocks before each test. Call at the top of the file; `handler()` is ready inside tests.
 */
export function handlerUnderTest<Handler>(load: () => Promise<Handler>) {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sqs = mockClient(SQSClient);
  let loaded: Handler | undefined;
  beforeAll(async () => {
    vi.stubEnv('EVENTS_TABLE', 'events');
    vi.stubEnv('LEDGER_TABLE', 'ledger');
    vi.stubEnv('IDEMPOTENCY_TABLE', 'requests');
    vi.stubEnv('QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/events');
    vi.stubEnv('DLQ_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/events-dlq');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    loaded = await load();
  });
  beforeEach(() => {
    dynamo.reset();
    sqs.reset();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    dynamo.restore();
    sqs.restore();
  });
  return { dynamo, sqs, handler: () => loaded! };
}
