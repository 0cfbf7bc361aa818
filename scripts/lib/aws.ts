import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, type StackInfo } from './stack.ts';

/** SDK clients for scripts, aimed at wherever the stack was deployed. */
export function clientsFor(stack: StackInfo) {
  const options = clientOptions(stack);
  return { sqs: new SQSClient(options), lambda: new LambdaClient(options), logs: new CloudWatchLogsClient(options) };
}

/** The environment a deployed function runs with: its settings as deployed. */
export async function functionEnvironment(lambda: LambdaClient, functionName: string): Promise<Record<string, string>> {
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return config.Environment?.Variables ?? {};
}

export async function faultInjectionOn(lambda: LambdaClient, functionName: string): Promise<boolean> {
  return (await functionEnvironment(lambda, functionName)).FAULT_INJECTION === 'on';
}

/** How many batches the function's queue trigger runs at once (its MaximumConcurrency). */
export async function triggerConcurrency(lambda: LambdaClient, functionName: string): Promise<number> {
  const { EventSourceMappings: mappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName }));
  const concurrency = mappings[0]?.ScalingConfig?.MaximumConcurrency;
  if (!concurrency) throw new Error(`${functionName} has no queue trigger with a maximum concurrency`);
  return concurrency;
}

export interface DeliveryLog {
  time: number;
  message: string;
  messageId?: string;
  receiveCount?: number;
  deliveryId?: string;
  reason?: string;
  unique?: number;
  duplicates?: number;
  redelivered?: number;
}

type DeliveryOutcome = 'message done' | 'message failed';

/** The process function's per-message log lines since `since` (ms epoch), of the outcomes asked for (both by default). */
export async function deliveryLogs(
  logs: CloudWatchLogsClient,
  functionName: string,
  since: number,
  outcomes: DeliveryOutcome[] = ['message done', 'message failed'],
): Promise<DeliveryLog[]> {
  const lines = (await Promise.all(outcomes.map((outcome) => structuredLogs(logs, functionName, since, `"${outcome}"`)))).flat();
  return lines
    .filter((line) => (outcomes as unknown[]).includes(line.message))
    .map((line) => ({ ...line, reason: (line.error as { message?: string } | undefined)?.message }))
    .sort((a, b) => a.time - b.time) as unknown as DeliveryLog[];
}

/** One invocation's metrics, from its EMF line: each metric's values summed, and when they were flushed (ms epoch, at the invocation's end). */
export interface InvocationMetrics {
  flushedAt: number;
  metrics: Record<string, number>;
}

/**
 * The process function's per-invocation metrics since `since` (ms epoch), read from the EMF lines
 * Powertools Metrics writes (the same numbers CloudWatch turns into metrics on AWS).
 */
export async function invocationMetrics(logs: CloudWatchLogsClient, functionName: string, since: number): Promise<InvocationMetrics[]> {
  const lines = await structuredLogs(logs, functionName, since, '"_aws"');
  return lines.flatMap((line) => {
    const emf = line._aws as { Timestamp?: number; CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name: string }> }> } | undefined;
    const definitions = emf?.CloudWatchMetrics ?? [];
    const names = definitions.flatMap((d) => d.Metrics ?? []).map((m) => m.Name);
    // The cold-start line is a metric of its own, not an invocation's work.
    if (!names.includes('Messages')) return [];
    const sum = (value: unknown) => [value].flat().reduce((total: number, v) => total + Number(v ?? 0), 0);
    return [{ flushedAt: emf?.Timestamp ?? line.time, metrics: Object.fromEntries(names.map((name) => [name, sum(line[name])])) }];
  });
}

/** One metric summed over the invocations (0 where an invocation did not emit it). */
export const metricTotal = (invocations: InvocationMetrics[], name: string): number =>
  invocations.reduce((total, invocation) => total + (invocation.metrics[name] ?? 0), 0);

/** How long each request took inside the function, from its access-log lines since `since` (ms epoch). */
export async function handlerLatenciesMs(logs: CloudWatchLogsClient, functionName: string, since: number): Promise<number[]> {
  const lines = await structuredLogs(logs, functionName, since, '"latencyMs"');
  return lines.flatMap((line) => (typeof line.latencyMs === 'number' ? [line.latencyMs] : []));
}

/**
 * The function's JSON log lines matching `pattern` since `since` (ms epoch). MiniStack answers at
 * most 10,000 events per call and no nextToken, so a full page continues from its last timestamp.
 */
async function structuredLogs(
  logs: CloudWatchLogsClient,
  functionName: string,
  since: number,
  pattern: string,
): Promise<Array<Record<string, unknown> & { time: number }>> {
  const lines: Array<Record<string, unknown> & { time: number }> = [];
  const seen = new Set<string>();
  let startTime = since;
  let nextToken: string | undefined;
  try {
    for (let pages = 0; pages < 1000; pages++) {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: `/aws/lambda/${functionName}`,
          startTime,
          filterPattern: pattern,
          nextToken,
          limit: 10_000,
        }),
      );
      let fresh = 0;
      for (const event of page.events ?? []) {
        const id = event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`;
        if (seen.has(id)) continue;
        seen.add(id);
        fresh++;
        const start = event.message?.indexOf('{') ?? -1;
        if (start < 0) continue;
        try {
          lines.push({ time: event.timestamp ?? 0, ...JSON.parse(event.message!.slice(start)) });
        } catch {
          // not one of ours
        }
      }
      nextToken = page.nextToken;
      const events = page.events ?? [];
      if (nextToken) continue;
      if (events.length < 10_000 || fresh === 0) break;
      startTime = events.at(-1)!.timestamp ?? startTime;
    }
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  return lines.sort((a, b) => a.time - b.time);
}
