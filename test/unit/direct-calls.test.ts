import {
  BatchGetItemCommand,
  BatchGetItemInput$,
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  TransactWriteItemsInput$,
} from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SendMessageBatchRequest$, SQSClient } from '@aws-sdk/client-sqs';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { offlineFunctionEnvironment } from '../../scripts/lib/function-environment.ts';
import { awsStandIn, type Received } from '../support/aws-stand-in.ts';

// The functions' hot calls skip the SDK's middleware stack (shared/clients/direct-calls.ts). Each
// test sends a call through one of the functions' clients and through an SDK client as it comes,
// to a local server, and compares what arrived and what came back: headers, signature, body,
// output, errors and retries.

const { received, answers, ...standIn } = awsStandIn();

let endpoint = '';
let functions: { dynamo: DynamoDBClient; document: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient; sqs: SQSClient };
let reference: { dynamo: DynamoDBClient; sqs: SQSClient };
const credentials = { accessKeyId: 'unit', secretAccessKey: 'unit-secret', sessionToken: 'unit-session' };

beforeAll(async () => {
  endpoint = await standIn.start();
  for (const [name, value] of Object.entries(offlineFunctionEnvironment)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', credentials.sessionToken);
  vi.resetModules();
  const { dynamoBaseClient, dynamoClient } = await import('../../functions/shared/clients/dynamo.ts');
  const { sqsClient } = await import('../../functions/shared/clients/sqs.ts');
  const { clientOptions, withoutUnusedMiddleware } = await import('../../functions/shared/clients/options.ts');
  const { withPlainJsonBodies } = await import('../../functions/shared/clients/plain-json.ts');
  functions = { dynamo: dynamoBaseClient(), document: dynamoClient(), sqs: sqsClient() };
  // The SDK's way through its middleware stack, with the same options, the same fixed user agent
  // and the same bodies (plain-json.test.ts compares those with the SDK's serializer's).
  const options = { ...clientOptions(), credentials };
  reference = {
    dynamo: withPlainJsonBodies(withoutUnusedMiddleware(new DynamoDBClient(options)), [BatchGetItemInput$, TransactWriteItemsInput$]),
    sqs: withPlainJsonBodies(withoutUnusedMiddleware(new SQSClient(options)), [SendMessageBatchRequest$]),
  };
});

afterEach(() => {
  vi.useRealTimers();
  received.length = 0;
  answers.length = 0;
});

afterAll(() => {
  vi.unstubAllEnvs();
  standIn.close();
});

/** What differs between two sends of one call: a fresh id per call. */
const comparable = ({ headers, body, target }: Received) => {
  const { 'amz-sdk-invocation-id': invocation, connection, ...rest } = headers;
  expect(invocation).toMatch(/^[0-9a-f-]{36}$/);
  return { target, headers: rest, body };
};

/** What AWS computes to check a request's signature: the same request signed again with the same key and time. */
async function signatureOf({ headers, body, target }: Received): Promise<string | undefined> {
  const url = new URL(endpoint);
  const { authorization: _, connection: __, ...signed } = headers as Record<string, string>;
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: signed,
    body,
  });
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: target.startsWith('AmazonSQS') ? 'sqs' : 'dynamodb',
    sha256: (reference.dynamo.config as unknown as { sha256: ConstructorParameters<typeof SignatureV4>[0]['sha256'] }).sha256,
  });
  const again = await signer.sign(request, { signingDate: new Date() });
  return again.headers.authorization;
}

const transaction = {
  TransactItems: [
    { Put: { TableName: 'events', Item: { id: { S: 'a#é😀"\u2028' }, n: { N: '1' } }, ConditionExpression: 'attribute_not_exists(id)' } },
    {
      Update: {
        TableName: 'ledger',
        Key: { pk: { S: 'totals#1' }, sk: { S: 'totals' } },
        UpdateExpression: 'ADD received :r',
        ExpressionAttributeValues: { ':r': { N: '3' } },
      },
    },
  ],
  ReturnConsumedCapacity: 'TOTAL' as const,
  ClientRequestToken: 'token-1',
};
const preRead = { RequestItems: { events: { Keys: [{ id: { S: 'a' } }, { id: { S: 'b' } }], ProjectionExpression: 'id' } } };
const batch = (queueUrl: string) => ({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: '{"events":["ü"]}' }] });

describe("the functions' hot calls, sent without the SDK's middleware stack", () => {
  it('arrive as the SDK sends them, signature included, for the transaction, the pre-read and the batch to SQS', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-06T03:00:00Z') });
    const queueUrl = `${endpoint}/000000000000/q`;
    const pairs: Array<[() => Promise<unknown>, () => Promise<unknown>]> = [
      [
        () => functions.dynamo.send(new TransactWriteItemsCommand(transaction)),
        () => reference.dynamo.send(new TransactWriteItemsCommand(transaction)),
      ],
      [
        () => functions.document.send(new TransactWriteItemsCommand(transaction)),
        () => reference.dynamo.send(new TransactWriteItemsCommand(transaction)),
      ],
      [() => functions.document.send(new BatchGetItemCommand(preRead)), () => reference.dynamo.send(new BatchGetItemCommand(preRead))],
      [
        () => functions.sqs.send(new SendMessageBatchCommand(batch(queueUrl))),
        () => reference.sqs.send(new SendMessageBatchCommand(batch(queueUrl))),
      ],
    ];
    for (const [direct, sdk] of pairs) {
      answers.push({ status: 200, body: '{}' }, { status: 200, body: '{}' });
      await direct();
      await sdk();
      const [ours, theirs] = received.splice(0);
      // The signature covers the invocation id, which is new per call: each is checked on its own.
      const { authorization: ourSignature, ...ourRest } = comparable(ours!).headers;
      const { authorization: theirSignature, ...theirRest } = comparable(theirs!).headers;
      expect({ ...comparable(ours!), headers: ourRest }).toEqual({ ...comparable(theirs!), headers: theirRest });
      expect(ourSignature).toBe(await signatureOf(ours!));
      expect(theirSignature).toBe(await signatureOf(theirs!));
      expect(ourRest['x-amz-security-token']).toBe(credentials.sessionToken);
    }
  });
  it('give back what the SDK gives back on a success', async () => {
    const responses = {
      Responses: { events: [{ id: { S: 'a' } }], ledger: [{ pk: { S: 'chunk#x' } }] },
      UnprocessedKeys: { events: { Keys: [{ id: { S: 'b' } }], ProjectionExpression: 'id' } },
      ConsumedCapacity: [{ TableName: 'events', CapacityUnits: 1.5 }],
    };
    const body = JSON.stringify(responses);
    answers.push({ status: 200, body }, { status: 200, body });
    const ours = await functions.document.send(new BatchGetItemCommand(preRead));
    const theirs = await reference.dynamo.send(new BatchGetItemCommand(preRead));
    expect(ours).toEqual(theirs);
    expect(ours.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 });

    const sent = JSON.stringify({
      Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: '1', SenderFault: true, Code: 'c', Message: 'm' }],
    });
    // Not compared with the SDK's client, which checks the MD5 digests (the functions' client leaves that to TLS).
    answers.push({ status: 200, body: sent });
    const ourBatch = await functions.sqs.send(new SendMessageBatchCommand(batch(`${endpoint}/000000000000/q`)));
    expect(ourBatch.Successful).toEqual([{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }]);
    expect(ourBatch.Failed).toEqual([{ Id: '1', SenderFault: true, Code: 'c', Message: 'm' }]);
  });

  it("throw the SDK's own error for an error answer, with its reasons and metadata, and do not retry what the SDK does not", async () => {
    const cancelled = JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }, { Code: 'None' }],
    });
    answers.push({ status: 400, body: cancelled });
    const error = await functions.document.send(new TransactWriteItemsCommand(transaction)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'ConditionalCheckFailed',
      'None',
    ]);
    expect((error as TransactionCanceledException).$metadata).toMatchObject({ httpStatusCode: 400, requestId: 'req-1', attempts: 1 });
    expect(received).toHaveLength(1);
  });

  it("retry a server error and a throttled call as the SDK's retry strategy does, with the SDK's attempt header", async () => {
    answers.push(
      { status: 500, body: '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}' },
      { status: 400, body: '{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}' },
      { status: 200, body: '{}' },
    );
    const output = await functions.document.send(new TransactWriteItemsCommand(transaction));
    expect(output.$metadata.attempts).toBe(3);
    expect(received.map(({ headers }) => headers['amz-sdk-request'])).toEqual(['attempt=1; max=3', 'attempt=2; max=3', 'attempt=3; max=3']);
    // One call: one invocation id, one idempotency token, across its attempts.
    expect(new Set(received.map(({ headers }) => headers['amz-sdk-invocation-id'])).size).toBe(1);
    expect(new Set(received.map(({ body }) => JSON.parse(body).ClientRequestToken)).size).toBe(1);
  });

  it('stop at once, with no further attempt, when the caller aborts', async () => {
    answers.push(...Array(3).fill({ status: 500, body: '{"__type":"InternalServerError","message":"again"}', delayMs: 300 }));
    const controller = new AbortController();
    const call = functions.document.send(new TransactWriteItemsCommand(transaction), { abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toThrow(/abort/i);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(received).toHaveLength(1);
  });

  it("set their clock by the answers' dates as the SDK does, when the machine's is minutes off", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-06T03:00:00Z') });
    const serverTime = 'Sun, 06 Dec 2026 03:30:00 GMT';
    answers.push({ status: 200, body: '{}', headers: { date: serverTime } }, { status: 200, body: '{}' });
    await functions.sqs.send(new SendMessageBatchCommand(batch(`${endpoint}/000000000000/q`)));
    await functions.sqs.send(new SendMessageBatchCommand(batch(`${endpoint}/000000000000/q`)));
    expect(received.map(({ headers }) => headers['x-amz-date'])).toEqual(['20261206T030000Z', '20261206T033000Z']);
  });

  it('retry a 5xx whose body is not JSON (a load balancer’s page), as the SDK does, and report its status when it stays', async () => {
    const page = { status: 503, body: '<html><body>Service Unavailable</body></html>', headers: { 'content-type': 'text/html' } };
    answers.push(page, page, { status: 200, body: '{}' });
    const output = await functions.sqs.send(new SendMessageBatchCommand(batch(`${endpoint}/000000000000/q`)));
    expect(output.$metadata.attempts).toBe(3);
    answers.push(page, page, page);
    const error = (await functions.document.send(new TransactWriteItemsCommand(transaction)).catch((e: unknown) => e)) as {
      $metadata: { httpStatusCode?: number; attempts?: number };
      $response?: { statusCode: number };
    };
    expect(error.$metadata).toMatchObject({ httpStatusCode: 503, attempts: 3 });
    expect(error.$response?.statusCode).toBe(503);
  });

  it('retry a call whose connection was cut before the answer, as the SDK does', async () => {
    answers.push({ status: 200, body: '', cut: true }, { status: 200, body: '{}' });
    const output = await functions.document.send(new TransactWriteItemsCommand(transaction));
    expect(output.$metadata.attempts).toBe(2);
    expect(received).toHaveLength(2);
  });

  it('give an answer of 200 that is not JSON its response and status, as the SDK does, and do not retry it', async () => {
    answers.push({ status: 200, body: '{"Successful":[' });
    const error = (await functions.sqs.send(new SendMessageBatchCommand(batch(`${endpoint}/000000000000/q`))).catch((e: unknown) => e)) as {
      $metadata?: { httpStatusCode?: number };
      $response?: { statusCode: number };
    };
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error.$metadata?.httpStatusCode).toBe(200);
    expect(error.$response?.statusCode).toBe(200);
    expect(received).toHaveLength(1);
  });

  it("resolve the endpoint on a copy of the client's configuration, which stays as it was", async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
    try {
      const { withDirectCalls } = await import('../../functions/shared/clients/direct-calls.ts');
      const client = withDirectCalls(new DynamoDBClient({ region: 'us-east-1', credentials, maxAttempts: 1 }), [TransactWriteItemsCommand]);
      const before = { endpoint: client.config.endpoint, isCustomEndpoint: client.config.isCustomEndpoint };
      await client.send(new TransactWriteItemsCommand(transaction));
      expect(received).toHaveLength(1);
      expect({ endpoint: client.config.endpoint, isCustomEndpoint: client.config.isCustomEndpoint }).toEqual(before);
    } finally {
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', undefined);
    }
  });

  it("set their clock by an error answer's date and sign the retry with it, when a signature was refused as expired", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-06T04:00:00Z') });
    const expired = JSON.stringify({
      __type: 'com.amazon.coral.service#InvalidSignatureException',
      message: 'Signature expired: 20261206T040000Z is now earlier than 20261206T042500Z',
    });
    answers.push({ status: 400, body: expired, headers: { date: 'Sun, 06 Dec 2026 04:30:00 GMT' } }, { status: 200, body: '{}' });
    await functions.document.send(new BatchGetItemCommand(preRead));
    expect(received.map(({ headers }) => headers['x-amz-date'])).toEqual(['20261206T040000Z', '20261206T043000Z']);
  });

  it('stop while waiting to retry when the caller aborts, with no further attempt', async () => {
    // Retry-After holds the SDK's next attempt back for seconds.
    answers.push(
      ...Array(3).fill({ status: 503, body: '{"__type":"ServiceUnavailable","message":"busy"}', headers: { 'retry-after': '3' } }),
    );
    const controller = new AbortController();
    const started = Date.now();
    const call = functions.document.send(new TransactWriteItemsCommand(transaction), { abortSignal: controller.signal });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await expect(call).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(received).toHaveLength(1);
  });

  it('pass the invocation’s trace header on, as the SDK does in a Lambda function', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'idemlog-unit-publish');
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1');
    try {
      await functions.sqs.send(new SendMessageBatchCommand(batch(`${endpoint}/000000000000/q`)));
      expect(received[0]!.headers['x-amzn-trace-id']).toBe('Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1');
    } finally {
      vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
      vi.stubEnv('_X_AMZN_TRACE_ID', undefined);
    }
  });

  it("take the direct way on each of the functions' clients, and every other call the SDK's", async () => {
    const passed: string[] = [];
    // The document client shares the base client's stack.
    expect(functions.document.middlewareStack).toBe(functions.dynamo.middlewareStack);
    for (const client of [functions.dynamo, functions.sqs]) {
      (client.middlewareStack as unknown as import('@smithy/types').MiddlewareStack<object, object>).add(
        (next, context) => (args) => {
          passed.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: 'witness' },
      );
    }
    try {
      const queueUrl = `${endpoint}/000000000000/q`;
      await functions.dynamo.send(new TransactWriteItemsCommand(transaction));
      await functions.document.send(new TransactWriteItemsCommand(transaction));
      await functions.document.send(new BatchGetItemCommand(preRead));
      await functions.sqs.send(new SendMessageBatchCommand(batch(queueUrl)));
      expect(passed).toEqual([]);
      expect(received.map(({ target }) => target.split('.')[1])).toEqual([
        'TransactWriteItems',
        'TransactWriteItems',
        'BatchGetItem',
        'SendMessageBatch',
      ]);
      await functions.document.send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'x' } } }));
      expect(passed).toEqual(['GetItemCommand']);
    } finally {
      for (const client of [functions.dynamo, functions.sqs]) client.middlewareStack.remove('witness');
    }
  });

  it('leave every other operation to the SDK', async () => {
    answers.push({ status: 200, body: '{"Item":{"id":{"B":"AQI="}}}' });
    const { Item } = await functions.dynamo.send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'x' } } }));
    // The SDK's reader turned the binary into bytes, which a plain JSON read would not.
    expect(Item?.id?.B).toBeInstanceOf(Uint8Array);
  });

  it("answer through a test's double of the client class, when there is one", async () => {
    const double = mockClient(DynamoDBClient);
    try {
      double.on(TransactWriteItemsCommand).resolves({ ConsumedCapacity: [{ TableName: 'doubled' }] });
      const output = await functions.dynamo.send(new TransactWriteItemsCommand(transaction));
      expect(output.ConsumedCapacity?.[0]?.TableName).toBe('doubled');
      expect(received).toHaveLength(0);
    } finally {
      double.restore();
    }
  });
});
