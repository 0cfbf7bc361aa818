import { unmarshall } from '@aws-sdk/util-dynamodb';

// biome-ignore lint/suspicious/noExplicitAny: a DynamoDB command's input, read by shape
type Input = Record<string, any>;

const plain = (attributes: Input | undefined) => (attributes === undefined ? undefined : unmarshall(attributes));

/**
 * A call as the document client would have made it: the consumer sends its transaction as the
 * low-level TransactWriteItems (functions/adapters/dynamo-ledger.ts), and the simulator's fake
 * DynamoDB and the capacity model read every call in plain values.
 */
export function documentView(name: string, input: Input): { name: string; input: Input } {
  if (name !== 'TransactWriteItemsCommand') return { name, input };
  const TransactItems = (input.TransactItems as Input[]).map((action) => {
    const [kind, body] = Object.entries(action)[0] as [string, Input];
    return {
      [kind]: {
        ...body,
        ...(body.Item ? { Item: plain(body.Item) } : {}),
        ...(body.Key ? { Key: plain(body.Key) } : {}),
        ...(body.ExpressionAttributeValues ? { ExpressionAttributeValues: plain(body.ExpressionAttributeValues) } : {}),
      },
    };
  });
  return { name: 'TransactWriteCommand', input: { ...input, TransactItems } };
}
