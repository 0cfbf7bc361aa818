import { BatchGetItemCommand, type BatchGetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UnavailableError } from '../domain/errors.ts';
import { inGroupsOf } from '../shared/groups.ts';
import { withRetries } from '../shared/retry.ts';
import type { Attributes } from './items.ts';

type RequestItems = NonNullable<BatchGetCommandInput['RequestItems']>;
type KeysAndAttributes = RequestItems[string];
type AttributeRequestItems = NonNullable<BatchGetItemCommandInput['RequestItems']>;

/** BatchGetItem takes at most 100 keys per call. */
const maxKeysPerCall = 100;

class UnprocessedKeysError extends Error {
  override readonly name = 'UnprocessedKeysError';
}

/**
 * One BatchGetItem (at most 100 keys in all) until every key is answered: DynamoDB may leave keys
 * unprocessed under load, and those are asked for again with the one retry policy.
 */
export function batchGetAll(
  client: DynamoDBDocumentClient,
  requestItems: RequestItems,
  signal?: AbortSignal,
): Promise<Record<string, Array<Record<string, unknown>>>> {
  return untilAnswered((items) => client.send(new BatchGetCommand({ RequestItems: items }), { abortSignal: signal }), requestItems, signal);
}

/**
 * The same in DynamoDB's attribute format, keys and items, sent as the low-level command: for the
 * consumer's pre-read, whose keys and answers are a few strings, and which goes without the
 * document client's marshalling (and, through shared/clients/direct-calls.ts, the SDK's per-call machinery).
 */
export function batchGetAttributes(
  client: DynamoDBDocumentClient,
  requestItems: AttributeRequestItems,
  signal?: AbortSignal,
): Promise<Record<string, Attributes[]>> {
  return untilAnswered(
    async (items) => {
      const { Responses, UnprocessedKeys } = await client.send(new BatchGetItemCommand({ RequestItems: items }), { abortSignal: signal });
      return { Responses: Responses as Record<string, Attributes[]> | undefined, UnprocessedKeys };
    },
    requestItems,
    signal,
  );
}

async function untilAnswered<Items extends Record<string, unknown>, Item>(
  call: (items: Items) => Promise<{ Responses?: Record<string, Item[]>; UnprocessedKeys?: Items }>,
  requestItems: Items,
  signal?: AbortSignal,
): Promise<Record<string, Item[]>> {
  const responses: Record<string, Item[]> = {};
  let pending: Items | undefined = requestItems;
  await withRetries(
    async () => {
      const result = await call(pending!);
      for (const [table, items] of Object.entries(result.Responses ?? {})) {
        responses[table] ??= [];
        responses[table].push(...items);
      }
      pending = result.UnprocessedKeys && Object.keys(result.UnprocessedKeys).length > 0 ? result.UnprocessedKeys : undefined;
      if (pending) throw new UnprocessedKeysError('BatchGetItem left keys unprocessed');
    },
    { attempts: 8, retryable: (error) => error instanceof UnprocessedKeysError, signal },
  ).catch((error: unknown) => {
    // DynamoDB kept leaving keys unprocessed: it is throttling; the caller may retry.
    if (error instanceof UnprocessedKeysError)
      throw new UnavailableError('DynamoDB kept some keys unprocessed (throttled)', [], { cause: error });
    throw error;
  });
  return responses;
}

/** Any number of keys of one table, 100 per BatchGetItem, the calls in parallel. */
export async function batchGetKeys(
  client: DynamoDBDocumentClient,
  table: string,
  request: KeysAndAttributes,
  signal?: AbortSignal,
): Promise<Array<Record<string, unknown>>> {
  const calls = inGroupsOf(request.Keys ?? [], maxKeysPerCall).map((keys) =>
    batchGetAll(client, { [table]: { ...request, Keys: keys } }, signal),
  );
  return (await Promise.all(calls)).flatMap((responses) => responses[table] ?? []);
}
