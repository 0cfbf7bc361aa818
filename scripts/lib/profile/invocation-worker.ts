// One fresh worker for `npm run invocation-cost`: loads a publish bundle, sends it `warm` requests,
// then `measured` more, pausing `gapMs` after each, and reports the CPU spent inside the measured
// calls and, apart, during the pauses after them. Every request is a full one of the same size,
// from the same seed in every worker. Its SDK calls go to the stand-in server (fake-aws.ts) whose
// port it is given; an answer other than 2xx is counted, so that the parent can refuse the figure.
import { buildWorkload } from '../workload.ts';
import { eventsPerRequest, type InvocationReport, type InvocationTask } from './invocation-task.ts';
import { actAsFunctionContainer, publishRequestEvent, useStandIn } from './offline-handlers.ts';

const task = await new Promise<InvocationTask>((resolve) => process.once('message', (message) => resolve(message as InvocationTask)));
actAsFunctionContainer('invocation-cost');
useStandIn(task.port);

const { handler } = (await import(task.bundle)) as { handler: (event: unknown, context: unknown) => Promise<{ statusCode?: number }> };
const wanted = task.warm + task.measured;
// The workload mixes in partial re-sends; only full requests are kept, so every invocation carries the same load.
const bodies = buildWorkload({
  events: 2 * wanted * eventsPerRequest,
  duplicateRatio: 0.3,
  topics: 8,
  batchSize: eventsPerRequest,
  payloadBytes: 64,
  seed: 1,
  runId: 'invocation-cost',
})
  .requests.filter((request) => request.length === eventsPerRequest)
  .slice(0, wanted)
  .map((request) => JSON.stringify(request));
if (bodies.length < wanted) throw new Error(`the workload has ${bodies.length} full requests; ${wanted} are needed`);

const context = {
  functionName: 'publish',
  awsRequestId: 'invocation-cost',
  getRemainingTimeInMillis: () => 10_000,
  callbackWaitsForEmptyEventLoop: false,
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

let handlerMs = 0;
let pauseMs = 0;
const failures: number[] = [];
for (const [i, body] of bodies.entries()) {
  const event = publishRequestEvent('invocation-cost', body, false);
  const callStart = process.cpuUsage();
  const answer = await handler(event, context);
  const callMs = cpuMsSince(callStart);
  const status = answer.statusCode ?? 0;
  if (status < 200 || status > 299) failures.push(status);
  const pauseStart = process.cpuUsage();
  if (task.gapMs > 0) await pause(task.gapMs);
  if (i >= task.warm) {
    handlerMs += callMs;
    pauseMs += cpuMsSince(pauseStart);
  }
}
const report: InvocationReport = { handlerMs: handlerMs / task.measured, pauseMs: pauseMs / task.measured, failures };
process.send?.(report, () => process.exit(0));
