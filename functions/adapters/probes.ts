import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Probe } from '../domain/health.ts';

export const tableProbe =
  (client: DynamoDBDocumentClient, table: string): Probe =>
  async (signal) => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }), { abortSignal: signal });
    if (Table?.TableStatus !== 'ACTIVE' && Table?.TableStatus !== 'UPDATING') {
      throw Object.assign(new Error('table not active'), { name: `Table${Table?.TableStatus ?? 'Missing'}` });
    }
  };

export const queueProbe =
  (client: SQSClient, queueUrl: string): Probe =>
  async (signal) => {
    await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), { abortSignal: signal });
  };
