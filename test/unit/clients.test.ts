import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
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

describe('with X-Ray tracing bundled in (IDEMLOG_TRACING=true)', () => {
  // Powertools' client capture adds a middleware after the user-agent one, which the clients go without.
  it('every client still sends its calls, with a fixed user agent', async () => {
    const userAgents: Array<string | undefined> = [];
    const bodies: Array<{ target: string; declared: number; body: Buffer }> = [];
    const server = createServer((request, response) => {
      userAgents.push(request.headers['user-agent']);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push({
          target: String(request.headers['x-amz-target']),
          declared: Number(request.headers['content-length']),
          body: Buffer.concat(chunks),
        });
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
      vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
      vi.stubEnv('AWS_XRAY_CONTEXT_MISSING', 'IGNORE_ERROR');
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'unit');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit');
      vi.resetModules();
      // What infra/esbuild-plugins.cjs does to the bundles when IDEMLOG_TRACING=true.
      vi.doMock('../../functions/shared/tracing.ts', () => import('../../functions/shared/tracing-xray.ts'));
      const { dynamoBaseClient, dynamoClient } = await import('../../functions/shared/clients/dynamo.ts');
      const { sqsClient } = await import('../../functions/shared/clients/sqs.ts');
      const { apiGatewayClient } = await import('../../functions/shared/clients/api-gateway.ts');
      await expect(dynamoBaseClient().send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'x' } } }))).resolves.toBeDefined();
      await expect(sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: `${endpoint}/000000000000/q` }))).resolves.toBeDefined();
      await expect(apiGatewayClient().send(new GetApiKeysCommand({}))).resolves.toBeDefined();
      // The hot calls, whose bodies JSON.stringify writes (plain-json.ts), traced too.
      const put = { Put: { TableName: 't', Item: { id: { S: 'é😀"' } }, ConditionExpression: 'attribute_not_exists(id)' } };
      await expect(dynamoBaseClient().send(new TransactWriteItemsCommand({ TransactItems: [put] }))).resolves.toBeDefined();
      await expect(dynamoClient().send(new BatchGetCommand({ RequestItems: { t: { Keys: [{ id: 'x' }] } } }))).resolves.toBeDefined();
      await sqsClient()
        .send(new SendMessageBatchCommand({ QueueUrl: `${endpoint}/000000000000/q`, Entries: [{ Id: '0', MessageBody: 'ü' }] }))
        .catch(() => undefined);
      const hot = bodies.filter(({ target }) => /TransactWriteItems|BatchGetItem|SendMessageBatch/.test(target));
      expect(hot.map(({ target }) => target.split('.')[1])).toEqual(['TransactWriteItems', 'BatchGetItem', 'SendMessageBatch']);
      for (const { declared, body } of hot) {
        expect(declared).toBe(body.length);
        expect(JSON.parse(body.toString('utf8'))).toBeTypeOf('object');
      }
      // Written by JSON.stringify (the input's key order, not the schema's), not by the SDK's serializer.
      const transaction = hot[0]!.body.toString('utf8');
      expect(transaction).toBe(JSON.stringify({ TransactItems: [put], ClientRequestToken: JSON.parse(transaction).ClientRequestToken }));
      // The SDK's own user agent is gone; a fixed one keeps the callers identifiable to AWS.
      const { userAgent } = await import('../../functions/shared/clients/options.ts');
      expect(userAgents).toEqual(Array(6).fill(userAgent));
    } finally {
      vi.doUnmock('../../functions/shared/tracing.ts');
      server.close();
    }
  });
});
