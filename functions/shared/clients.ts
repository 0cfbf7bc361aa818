import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { config } from './config.ts';

// Built once per container and reused across invocations; keep-alive saves a TCP (and on AWS
// a TLS) handshake per call. The endpoint comes from validated config so that the emulator and
// AWS run the same code path.
const requestHandler = new NodeHttpHandler({
  httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
});

function clientOptions() {
  const { AWS_REGION, AWS_ENDPOINT_URL } = config();
  return { region: AWS_REGION, endpoint: AWS_ENDPOINT_URL, requestHandler, maxAttempts: 4 };
}

let dynamo: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;

export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions()), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient(clientOptions());
  return sqs;
}
