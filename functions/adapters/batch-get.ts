import { BatchGetCommand, type BatchGetCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withRetries } from '../shared/retry.ts';

type RequestItems = NonNullable<BatchGetCommandInput['RequestItems']>;

class UnprocessedKeysError extends Error {
  override readonly name = 'UnprocessedKeysError';
}

/**
 * BatchGetItem until every key is answered: DynamoDB may leave keys unprocessed under load, and
 * those are asked for again with the one retry policy.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  requestItems: RequestItems,
  signal?: AbortSignal,
): Promise<Record<string, Array<Record<string, unknown>>>> {
  const responses: Record<string, Array<Record<string, unknown>>> = {};
  let pending: RequestItems | undefined = requestItems;
  await withRetries(
    async () => {
      const result = await client.send(new BatchGetCommand({ RequestItems: pending }), { abortSignal: signal });
      for (const [table, items] of Object.entries(result.Responses ?? {})) {
        responses[table] ??= [];
        responses[table].push(...items);
      }
      pending = result.UnprocessedKeys && Object.keys(result.UnprocessedKeys).length > 0 ? result.UnprocessedKeys : undefined;
      if (pending) throw new UnprocessedKeysError('BatchGetItem left keys unprocessed');
    },
    { attempts: 8, retryable: (error) => error instanceof UnprocessedKeysError, signal },
  );
  return responses;
}
