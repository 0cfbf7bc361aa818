import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { offlineFunctionEnvironment } from '../../scripts/lib/function-environment.ts';
import { awsStandIn } from '../support/aws-stand-in.ts';

// The functions' clients write their hot calls' bodies with JSON.stringify (plain-json.ts). Each
// test sends the same input through one of them and through an SDK client as it comes, to a
// local server, and compares what arrived.

const { received, answers, ...standIn } = awsStandIn();

let endpoint = '';
let functions: { dynamo: DynamoDBClient; document: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient; sqs: SQSClient };
let reference: { dynamo: DynamoDBClient; sqs: SQSClient };

beforeAll(async () => {
  endpoint = await standIn.start();
  for (const [name, value] of Object.entries(offlineFunctionEnvironment)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'unit');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit');
  vi.resetModules();
  const { dynamoBaseClient, dynamoClient } = await import('../../functions/shared/clients/dynamo.ts');
  const { sqsClient } = await import('../../functions/shared/clients/sqs.ts');
  functions = { dynamo: dynamoBaseClient(), document: dynamoClient(), sqs: sqsClient() };
  const plain = { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, maxAttempts: 1 };
  reference = { dynamo: new DynamoDBClient(plain), sqs: new SQSClient(plain) };
});
afterAll(() => {
  vi.unstubAllEnvs();
  standIn.close();
});

/** What each client sent for the same input. */
async function bothSend(send: (clients: { dynamo: DynamoDBClient; sqs: SQSClient }) => Promise<unknown>) {
  received.length = 0;
  await send(functions);
  await send(reference);
  expect(received).toHaveLength(2);
  return { ours: received[0]!, sdk: received[1]! };
}

const withoutToken = (body: string) => {
  const { ClientRequestToken, ...rest } = JSON.parse(body) as Record<string, unknown>;
  return rest;
};
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Any text a name or a payload may hold, lone surrogates, control characters and astral planes included. */
const text = fc.string({
  unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '€', '\u2028', '😀', '\ud800', '\udc00', '\ufeff'),
  maxLength: 40,
});

const transaction = (strings: string[], counts: number[]): TransactWriteItemsCommandInput => ({
  TransactItems: [
    ...strings.map((value, i) => ({
      Put: {
        TableName: 'events',
        Item: { id: { S: `["t",${JSON.stringify(value)}]` }, payload: { S: value }, bytes: { N: String(counts[i % counts.length] ?? i) } },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    })),
    {
      Update: {
        TableName: 'ledger',
        Key: { pk: { S: 'totals#3' }, sk: { S: '3' } },
        UpdateExpression: 'ADD received :r, #u :u',
        ExpressionAttributeNames: { '#u': 'unique' },
        ExpressionAttributeValues: { ':r': { N: String(counts[0] ?? 0) }, ':u': { N: '1' } },
      },
    },
  ],
});

describe("the functions' clients write their hot calls' bodies as JSON.stringify does", () => {
  it('a transaction arrives as the SDK sends it, with an idempotency token of its own', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        async (strings, counts) => {
          const input = transaction(strings, counts);
          const { ours, sdk } = await bothSend(({ dynamo }) => dynamo.send(new TransactWriteItemsCommand(input)));
          // Written by JSON.stringify, in the input's own key order, not the schema's.
          expect(ours.body).toBe(JSON.stringify({ ...input, ClientRequestToken: JSON.parse(ours.body).ClientRequestToken }));
          expect(ours.target).toBe('DynamoDB_20120810.TransactWriteItems');
          expect(ours.headers['content-type']).toBe(sdk.headers['content-type']);
          expect(Number(ours.headers['content-length'])).toBe(Buffer.byteLength(ours.body));
          expect(withoutToken(ours.body)).toEqual(withoutToken(sdk.body));
          expect(JSON.parse(ours.body).ClientRequestToken).toMatch(uuid);
          expect(JSON.parse(sdk.body).ClientRequestToken).toMatch(uuid);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps a token the caller gives, and the SDK's retries of one call send the same token", async () => {
    const given = await bothSend(({ dynamo }) =>
      dynamo.send(new TransactWriteItemsCommand({ ...transaction(['x'], [1]), ClientRequestToken: 'chosen-token' })),
    );
    expect(given.ours.body).toContain('"ClientRequestToken":"chosen-token"');
    expect(withoutToken(given.ours.body)).toEqual(withoutToken(given.sdk.body));

    received.length = 0;
    answers.push({ status: 500, body: '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}' });
    await functions.dynamo.send(new TransactWriteItemsCommand(transaction(['x'], [1])));
    await functions.dynamo.send(new TransactWriteItemsCommand(transaction(['x'], [1])));
    expect(received).toHaveLength(3);
    const tokens = received.map((r) => JSON.parse(r.body).ClientRequestToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it("the pre-read through the document client, and publish's batch to SQS, arrive as the SDK sends them", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 5 }), async (strings) => {
        const keys = [...new Set(strings)].map((s) => ({ id: s }));
        const read = await bothSend(({ dynamo }) =>
          dynamo === functions.dynamo
            ? functions.document.send(new BatchGetCommand({ RequestItems: { events: { Keys: keys, ProjectionExpression: 'id' } } }))
            : dynamo.send(
                new BatchGetItemCommand({
                  RequestItems: { events: { Keys: keys.map(({ id }) => ({ id: { S: id } })), ProjectionExpression: 'id' } },
                }),
              ),
        );
        expect(read.ours.target).toBe('DynamoDB_20120810.BatchGetItem');
        expect(JSON.parse(read.ours.body)).toEqual(JSON.parse(read.sdk.body));

        const entries = strings.map((body, i) => ({ Id: String(i), MessageBody: body }));
        const sent = await bothSend(({ sqs }) =>
          sqs.send(new SendMessageBatchCommand({ QueueUrl: `${endpoint}/000000000000/events`, Entries: entries })).catch(() => undefined),
        );
        expect(sent.ours.target).toBe('AmazonSQS.SendMessageBatch');
        expect(sent.ours.headers['x-amzn-query-mode']).toBe(sent.sdk.headers['x-amzn-query-mode']);
        expect(JSON.parse(sent.ours.body)).toEqual(JSON.parse(sent.sdk.body));
        expect(sent.ours.body).toBe(JSON.stringify({ QueueUrl: `${endpoint}/000000000000/events`, Entries: entries }));
      }),
      { numRuns: 40 },
    );
  });

  it("the pre-read and the batch to SQS take that path too: the document client shares the base client's protocol", async () => {
    expect(functions.document.config.protocol).toBe(functions.dynamo.config.protocol);
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      await functions.document.send(new BatchGetCommand({ RequestItems: { events: { Keys: [{ id: 'a' }] } } }));
      await functions.sqs
        .send(new SendMessageBatchCommand({ QueueUrl: `${endpoint}/000000000000/events`, Entries: [{ Id: '0', MessageBody: 'b' }] }))
        .catch(() => undefined);
      const written = stringify.mock.calls.map(([value]) => value as Record<string, unknown>);
      expect(written.some((value) => value?.RequestItems !== undefined)).toBe(true);
      expect(written.some((value) => value?.Entries !== undefined)).toBe(true);
    } finally {
      stringify.mockRestore();
    }
  });

  it("leaves to the SDK's serializer an input that is not plain JSON data, and any other operation", async () => {
    const binary: TransactWriteItemsCommandInput = {
      ClientRequestToken: 'fixed',
      TransactItems: [{ Put: { TableName: 'events', Item: { id: { S: 'a' }, blob: { B: new Uint8Array([0, 255, 34]) } } } }],
    };
    const withNull = {
      ClientRequestToken: 'fixed',
      TransactItems: [{ Put: { TableName: 'events', Item: { id: { S: 'a' } }, ConditionExpression: null } }],
    } as unknown as TransactWriteItemsCommandInput;
    const oddOnes = [new Date(0), Number.NaN, [undefined], new Map([['a', 1]])].map(
      (odd) =>
        ({
          ClientRequestToken: 'fixed',
          TransactItems: [{ Put: { TableName: 'events', Item: { id: { S: 'a' } }, Odd: odd } }],
        }) as unknown as TransactWriteItemsCommandInput,
    );
    for (const input of [binary, withNull, ...oddOnes]) {
      const { ours, sdk } = await bothSend(({ dynamo }) => dynamo.send(new TransactWriteItemsCommand(input)));
      expect(ours.body).toBe(sdk.body);
    }
    const other = await bothSend(({ dynamo }) => dynamo.send(new GetItemCommand({ TableName: 'events', Key: { id: { S: 'a' } } })));
    expect(other.ours.body).toBe(other.sdk.body);
  });
});
