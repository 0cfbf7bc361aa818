import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

beforeAll(() => {
  vi.stubEnv('EVENTS_TABLE', 'events');
  vi.stubEnv('LEDGER_TABLE', 'ledger');
  vi.stubEnv('IDEMPOTENCY_TABLE', 'requests');
  vi.stubEnv('QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/events');
  vi.stubEnv('DLQ_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/events-dlq');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("the functions' SDK clients", () => {
  it("go without the SDK's logger middleware, which copies every input for a logger that discards it", async () => {
    const { dynamoBaseClient, dynamoClient } = await import('../../functions/shared/clients/dynamo.ts');
    const { sqsClient } = await import('../../functions/shared/clients/sqs.ts');
    const { apiGatewayClient } = await import('../../functions/shared/clients/api-gateway.ts');
    for (const client of [dynamoBaseClient(), dynamoClient(), sqsClient(), apiGatewayClient()]) {
      const names = client.middlewareStack.identify().join('\n');
      expect(names).toContain('retryMiddleware');
      expect(names).not.toContain('loggerMiddleware');
    }
  });
});
