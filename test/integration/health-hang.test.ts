import { createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueProbe, tableProbe } from '../../functions/adapters/probes.ts';
import { checkHealth } from '../../functions/domain/health.ts';

// A dependency that accepts connections and never answers, on loopback.
let server: Server;
let endpoint: string;
const sockets: Socket[] = [];
const closed: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
    // Read and ignore what arrives, so that the client closing its end is seen.
    socket.resume();
    socket.on('close', () => closed.push(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('GET /health when a dependency hangs', () => {
  it('answers within its budget, and cancels the calls it gave up on', async () => {
    const options = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(options));
    const sqs = new SQSClient(options);
    const started = performance.now();
    const report = await checkHealth({ table: tableProbe(dynamo, 't'), queue: queueProbe(sqs, `${endpoint}/000000000000/q`) }, 500);
    const elapsed = performance.now() - started;
    expect(report.healthy).toBe(false);
    expect(report.checks.table).toMatchObject({ status: 'error', message: 'no answer within 500 ms' });
    expect(report.checks.queue).toMatchObject({ status: 'error', message: 'no answer within 500 ms' });
    expect(elapsed).toBeLessThan(1500);
    // The abandoned requests were aborted, not left running: their connections are closed.
    await expect.poll(() => closed.length, { timeout: 2000 }).toBe(sockets.length);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
  });
});
