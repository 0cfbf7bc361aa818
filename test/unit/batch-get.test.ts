import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { batchGetAll, batchGetAttributes } from '../../functions/adapters/batch-get.ts';
import { toErrorReply } from '../../functions/shared/http.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);

describe('batchGetAll', () => {
  it('asks again for keys left unprocessed, and answers 503 (retry) when DynamoDB keeps leaving them: it is throttling', async () => {
    const keys = { t: { Keys: [{ id: 'a' }, { id: 'b' }] } };
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ id: 'a' }] }, UnprocessedKeys: { t: { Keys: [{ id: 'b' }] } } })
      .resolves({ Responses: { t: [{ id: 'b' }] } });
    expect((await batchGetAll(documentClient, keys)).t).toEqual([{ id: 'a' }, { id: 'b' }]);
    dynamo.reset();
    dynamo.on(BatchGetCommand).resolves({ Responses: {}, UnprocessedKeys: keys });
    const error = await batchGetAll(documentClient, keys).catch((e: unknown) => e);
    expect(toErrorReply(error)).toMatchObject({ status: 503, body: { error: 'unavailable' }, headers: { 'Retry-After': '1' } });
  });
});

describe('batchGetAttributes (the pre-read, in attribute format)', () => {
  it('asks again for keys left unprocessed, in attribute format, and answers 503 when DynamoDB keeps leaving them', async () => {
    const keys = { t: { Keys: [{ id: { S: 'a' } }, { id: { S: 'b' } }], ProjectionExpression: 'id' } };
    dynamo
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { t: [{ id: { S: 'a' } }] },
        UnprocessedKeys: { t: { Keys: [{ id: { S: 'b' } }], ProjectionExpression: 'id' } },
      })
      .resolves({ Responses: { t: [{ id: { S: 'b' } }] } });
    expect((await batchGetAttributes(documentClient, keys)).t).toEqual([{ id: { S: 'a' } }, { id: { S: 'b' } }]);
    expect(dynamo.commandCalls(BatchGetItemCommand)[1]!.args[0].input.RequestItems).toEqual({
      t: { Keys: [{ id: { S: 'b' } }], ProjectionExpression: 'id' },
    });
    dynamo.reset();
    dynamo.on(BatchGetItemCommand).resolves({ Responses: {}, UnprocessedKeys: keys });
    const error = await batchGetAttributes(documentClient, keys).catch((e: unknown) => e);
    expect(toErrorReply(error)).toMatchObject({ status: 503, body: { error: 'unavailable' } });
  });
});
