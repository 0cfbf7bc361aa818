import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { handlerUnderTest } from '../support/handler-env.ts';

const { dynamo, sqs, handler } = handlerUnderTest(async () => (await import('../../functions/health/handler.ts')).handler);

beforeEach(() => {
  dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: 'arn' } });
});

const get = () =>
  handler()(
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
