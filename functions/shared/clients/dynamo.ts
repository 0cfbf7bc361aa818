import {
  BatchGetItemCommand,
  BatchGetItemInput$,
  DynamoDBClient,
  TransactWriteItemsCommand,
  TransactWriteItemsInput$,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceClient } from '../tracing.ts';
import { withDirectCalls } from './direct-calls.ts';
import { clientOptions, withoutUnusedMiddleware } from './options.ts';
import { withPlainJsonBodies } from './plain-json.ts';

let base: DynamoDBClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;

/**
 * The consumer's two calls per message: its pre-read and its transaction. Every caller of these two
 * on either client gets their answers' JSON as it came (direct-calls.ts): a binary attribute read
 * back would be its base64 text, not bytes. The functions read strings and numbers only.
 */
const hotCommands = [BatchGetItemCommand, TransactWriteItemsCommand];

/** The container's one DynamoDB client, built on first use and reused by every invocation. */
export function dynamoBaseClient(): DynamoDBClient {
  base ??= withDirectCalls(
    withPlainJsonBodies(withoutUnusedMiddleware(traceClient(new DynamoDBClient(clientOptions()))), [
      BatchGetItemInput$,
      TransactWriteItemsInput$,
    ]),
    hotCommands,
  );
  return base;
}

/** The same client, taking and giving plain JavaScript values; the hot calls, in DynamoDB's own format, go as on the base client. */
export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= withDirectCalls(
    DynamoDBDocumentClient.from(dynamoBaseClient(), { marshallOptions: { removeUndefinedValues: true } }),
    hotCommands,
  );
  return dynamo;
}
