// `npm run profile`: where the functions' CPU goes per event. Drives the real publish and process
// handlers in this process, with their AWS calls answered by in-memory mocks (no network, no
// emulator), over the benchmark's workload; prints CPU ms per 1,000 events for each, and the top of
// a V8 CPU profile grouped by package and by project file. docs/BENCHMARKS.md has the figures.
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { BatchGetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { parseCli } from './lib/cli.ts';
import { actAsFunctionContainer, publishRequestEvent, useStandIn } from './lib/profile/offline-handlers.ts';
import { topOf } from './lib/profile/top.ts';
import { buildWorkload } from './lib/workload.ts';

const options = parseCli(
  z.object({
    events: z.coerce.number().int().min(1000).max(1_000_000).default(50_000),
    top: z.coerce.number().int().default(15),
    sdk: z.boolean().default(false),
  }),
  'npm run profile -- [--events N] [--top N] [--sdk: real SDK calls to a stand-in server instead of mocks]',
);

actAsFunctionContainer('profile');

const bodies: string[] = [];
if (options.sdk) {
  // The SDK's calls go over HTTP to a stand-in in another process; the bodies publish sends are
  // taken from the SDK as it sends them.
  const server = fork(new URL('./lib/profile/fake-aws.ts', import.meta.url).pathname, { stdio: 'ignore' });
  const port = await new Promise<number>((resolve) => server.once('message', (message) => resolve(Number(message))));
  useStandIn(port);
  process.on('exit', () => server.kill());
  // The functions' own client (the one the handlers build), so that its calls go the way they go in a function.
  const { sqsClient } = await import('../functions/shared/clients/sqs.ts');
  const client = sqsClient();
  const send = client.send;
  client.send = function (this: typeof client, command: { input: { Entries?: Array<{ MessageBody: string }> } }, ...rest: unknown[]) {
    for (const entry of command.input.Entries ?? []) bodies.push(entry.MessageBody);
    return (send as (...args: unknown[]) => unknown).call(this, command, ...rest);
  } as typeof send;
} else {
  const sqs = mockClient(SQSClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string; MessageBody: string }> }) => {
    for (const entry of input.Entries) bodies.push(entry.MessageBody);
    return { Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: '' })), Failed: [] };
  });
  dynamo.on(BatchGetItemCommand).resolves({ Responses: {}, UnprocessedKeys: {} });
  dynamo.on(TransactWriteItemsCommand).resolves({});
}

const { handler: publish } = await import('../functions/publish/handler.ts');
const { handler: processMessages } = await import('../functions/process/handler.ts');

const context = (name: string) =>
  ({
    functionName: name,
    awsRequestId: 'profile',
    getRemainingTimeInMillis: () => 10_000,
    callbackWaitsForEmptyEventLoop: false,
  }) as unknown as Context;
const workload = buildWorkload({
  events: options.events,
  duplicateRatio: 0.3,
  topics: 8,
  batchSize: 100,
  payloadBytes: 64,
  seed: 1,
  runId: 'profile',
});
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });

const cpuMs = async (work: () => Promise<void>) => {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

await session.post('Profiler.start');
const publishMs = await cpuMs(async () => {
  for (const request of workload.requests)
    await publish(
      publishRequestEvent('profile', Buffer.from(JSON.stringify(request)).toString('base64'), true) as never,
      context('publish'),
    );
});
const publishProfile = (await session.post('Profiler.stop')).profile;
await session.post('Profiler.start');
const processMs = await cpuMs(async () => {
  for (let i = 0; i < bodies.length; i += 5) {
    const event: SQSEvent = {
      Records: bodies.slice(i, i + 5).map((body, j) => ({
        messageId: `m${i + j}`,
        receiptHandle: `r${i + j}`,
        body,
        attributes: { ApproximateReceiveCount: '1' } as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:events',
        awsRegion: 'us-east-1',
      })),
    };
    await processMessages(event, context('process'));
  }
});
const processProfile = (await session.post('Profiler.stop')).profile;

const perThousand = (ms: number) => ((ms / options.events) * 1000).toFixed(1);
console.error(
  `CPU per 1,000 events, handlers in process with AWS ${options.sdk ? 'answered over HTTP by a stand-in' : 'mocked'} (${options.events.toLocaleString('en')} events, ${bodies.length} messages):`,
);
console.error(`  publish  ${perThousand(publishMs)} ms`);
console.error(`  process  ${perThousand(processMs)} ms`);
for (const [name, profile] of [
  ['publish', publishProfile],
  ['process', processProfile],
] as const) {
  console.error(`\ntop of the ${name} profile (self time, grouped):`);
  for (const [where, share] of topOf([profile], options.top)) console.error(`  ${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
}
// The stand-in server's IPC channel would keep this process alive.
process.exit(0);
