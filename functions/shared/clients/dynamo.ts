import { BatchGetItemInput$, DynamoDBClient, TransactWriteItemsInput$ } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceClient } from '../tracing.ts';
import { clientOptions, withoutUnusedMiddleware } from './options.ts';
import { withPlainJsonBodies } from './plain-json.ts';

let base: DynamoDBClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;

/** The container's one DynamoDB client, built on first use and reused by every invocation. */
export function dynamoBaseClient(): DynamoDBClient {
  // The consumer's two calls per message: its pre-read and its transaction.
  base ??= withPlainJsonBodies(withoutUnusedMiddleware(traceClient(new DynamoDBClient(clientOptions()))), [
    BatchGetItemInput$,
    TransactWriteItemsInput$,
  ]);
  return base;
}

/** The same client, taking and giving plain JavaScript values. */
export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(dynamoBaseClient(), { marshallOptions: { removeUndefinedValues: true } });
  return dynamo;
}
