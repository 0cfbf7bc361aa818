import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import { offlineFunctionEnvironment } from '../../scripts/lib/function-environment.ts';

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
    for (const [name, value] of Object.entries(offlineFunctionEnvironment)) vi.stubEnv(name, value);
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
