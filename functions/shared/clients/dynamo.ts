import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceClient } from '../tracing.ts';
import { clientOptions, withoutUnusedMiddleware } from './options.ts';

let base: DynamoDBClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;

/** The container's one DynamoDB client, built on first use and reused by every invocation. */
export function dynamoBaseClient(): DynamoDBClient {
  base ??= withoutUnusedMiddleware(traceClient(new DynamoDBClient(clientOptions())));
  return base;
}

/** The same client, taking and giving plain JavaScript values. */
export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(dynamoBaseClient(), { marshallOptions: { removeUndefinedValues: true } });
  return dynamo;
}
