// One fresh worker for `npm run invocation-cost`: loads a publish bundle, sends it `warm` requests,
// then `measured` more, each `gapMs` after the last one ended, and reports the CPU of the measured
// ones per invocation. Its SDK calls go to the stand-in server (fake-aws.ts) whose port it is given.
import { offlineFunctionEnvironment } from '../function-environment.ts';
import { buildWorkload } from '../workload.ts';

export interface InvocationTask {
  bundle: string;
  port: number;
  warm: number;
  measured: number;
  gapMs: number;
}

const task = await new Promise<InvocationTask>((resolve) => process.once('message', (message) => resolve(message as InvocationTask)));
const endpoint = `http://127.0.0.1:${task.port}`;
Object.assign(process.env, {
  ...offlineFunctionEnvironment,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'invocation-cost',
  AWS_SECRET_ACCESS_KEY: 'invocation-cost',
  AWS_LAMBDA_FUNCTION_NAME: 'invocation-cost',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_ENDPOINT_URL: endpoint,
  QUEUE_URL: `${endpoint}/000000000000/events`,
  DLQ_URL: `${endpoint}/000000000000/events-dlq`,
});
// As deployed, each log line is written; here it goes nowhere, at the same cost of formatting it.
process.stdout.write = (() => true) as typeof process.stdout.write;

const { handler } = (await import(task.bundle)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
const { requests } = buildWorkload({
  events: (task.warm + task.measured) * 100,
  duplicateRatio: 0.3,
  topics: 8,
  batchSize: 100,
  payloadBytes: 64,
  seed: process.pid,
  runId: `invocation-${process.pid}`,
});
const context = {
  functionName: 'publish',
  awsRequestId: 'invocation-cost',
  getRemainingTimeInMillis: () => 10_000,
  callbackWaitsForEmptyEventLoop: false,
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let measuredFrom = process.cpuUsage();
for (const [i, request] of requests.slice(0, task.warm + task.measured).entries()) {
  if (i === task.warm) measuredFrom = process.cpuUsage();
  await handler(
    {
      httpMethod: 'POST',
      path: '/publish',
      resource: '/publish',
      headers: { 'content-type': 'application/json', 'x-api-key': 'invocation-cost' },
      body: JSON.stringify(request),
      isBase64Encoded: false,
      queryStringParameters: null,
      requestContext: { requestId: 'invocation-cost', identity: {} },
    },
    context,
  );
  if (task.gapMs > 0) await pause(task.gapMs);
}
const used = process.cpuUsage(measuredFrom);
process.send?.((used.user + used.system) / 1000 / task.measured, () => process.exit(0));
