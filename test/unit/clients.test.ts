import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { offlineFunctionEnvironment } from '../../scripts/lib/function-environment.ts';

beforeAll(() => {
  for (const [name, value] of Object.entries(offlineFunctionEnvironment)) vi.stubEnv(name, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("the functions' SDK clients", () => {
  it("go without the SDK's logger middleware (it copies every input for a logger that discards it) and its user-agent middleware", async () => {
    const { dynamoBaseClient, dynamoClient } = await import('../../functions/shared/clients/dynamo.ts');
    const { sqsClient } = await import('../../functions/shared/clients/sqs.ts');
    const { apiGatewayClient } = await import('../../functions/shared/clients/api-gateway.ts');
    for (const client of [dynamoBaseClient(), dynamoClient(), sqsClient(), apiGatewayClient()]) {
      const names = client.middlewareStack.identify().join('\n');
      expect(names).toContain('retryMiddleware');
      expect(names).toContain('httpSigningMiddleware');
      expect(names).not.toContain('loggerMiddleware');
      expect(names).not.toContain('getUserAgentMiddleware');
    }
  });
});
