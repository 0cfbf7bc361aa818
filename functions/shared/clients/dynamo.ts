import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../tracer.ts';
import { clientOptions } from './options.ts';

let dynamo: DynamoDBDocumentClient | undefined;

/** The container's one DynamoDB client, built on first use and reused by every invocation. */
export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient(clientOptions())), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}
