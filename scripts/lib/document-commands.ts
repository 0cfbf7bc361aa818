import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

// biome-ignore lint/suspicious/noExplicitAny: a DynamoDB command's input, read by shape
type Input = Record<string, any>;

const plain = (attributes: Input | undefined) => (attributes === undefined ? undefined : unmarshall(attributes));

/**
 * A call as the document client would have made it: the consumer sends its transaction and its
 * pre-read as the low-level TransactWriteItems and BatchGetItem (functions/adapters/dynamo-ledger.ts),
 * and the simulator's fake DynamoDB and the capacity model read every call in plain values.
 * `answer` turns the document client's answer back into the low-level command's.
 */
export function documentView(name: string, input: Input): { name: string; input: Input; answer: (output: Input) => Input } {
  if (name === 'BatchGetItemCommand') {
    const RequestItems = Object.fromEntries(
      Object.entries(input.RequestItems as Record<string, Input>).map(([table, request]) => [
        table,
        { ...request, Keys: (request.Keys as Input[]).map((key) => plain(key)) },
      ]),
    );
    return { name: 'BatchGetCommand', input: { ...input, RequestItems }, answer: attributeAnswer };
  }
  if (name !== 'TransactWriteItemsCommand') return { name, input, answer: same };
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
  return { name: 'TransactWriteCommand', input: { ...input, TransactItems }, answer: same };
}

const same = (output: Input) => output;

const attributes = (items: Record<string, Input[]> | undefined) =>
  items && Object.fromEntries(Object.entries(items).map(([table, list]) => [table, list.map((item) => marshall(item))]));

const attributeAnswer = (output: Input): Input => ({
  ...output,
  Responses: attributes(output.Responses),
  UnprocessedKeys:
    output.UnprocessedKeys &&
    Object.fromEntries(
      Object.entries(output.UnprocessedKeys as Record<string, Input>).map(([table, request]) => [
        table,
        { ...request, Keys: (request.Keys as Input[]).map((key) => marshall(key)) },
      ]),
    ),
});
