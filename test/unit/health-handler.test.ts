import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubHandlerEnvironment } from '../support/handler-env.ts';

// The handler reads its configuration and builds its clients when loaded: both come from here.
const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  stubHandlerEnvironment();
  ({ handler } = await import('../../functions/health/handler.ts'));
});

afterAll(() => {
  vi.unstubAllEnvs();
  dynamo.restore();
  sqs.restore();
});

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: 'arn' } });
});

const get = () =>
  handler(
    { httpMethod: 'GET', path: '/health', headers: {}, requestContext: { requestId: 'r' } } as unknown as APIGatewayProxyEvent,
    {
      getRemainingTimeInMillis: () => 10_000,
      functionName: 'health',
      awsRequestId: 'r',
    } as unknown as Context,
  );

describe('GET /health', () => {
  it('answers 200 when every dependency answers', async () => {
    const result = await get();
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok', checks: { events_table: { status: 'ok' }, queue: { status: 'ok' } } });
  });

  it('answers 503 naming each dependency that does not answer, and why', async () => {
    dynamo
      .on(DescribeTableCommand, { TableName: 'ledger' })
      .rejects(new ResourceNotFoundException({ message: 'no such table', $metadata: {} }));
    const result = await get();
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({
      status: 'unavailable',
      error: 'dependency_unavailable',
      message: 'not answering: ledger_table',
      details: [{ path: 'ledger_table', message: 'ResourceNotFoundException' }],
      checks: { events_table: { status: 'ok' }, ledger_table: { status: 'error' }, queue: { status: 'ok' } },
    });
  });
});
