import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, type StackInfo } from './stack.ts';

/** SDK clients for scripts, aimed at wherever the stack was deployed. */
export function clientsFor(stack: StackInfo) {
  const options = clientOptions(stack);
  return { sqs: new SQSClient(options), lambda: new LambdaClient(options), logs: new CloudWatchLogsClient(options) };
}

export async function faultInjectionOn(lambda: LambdaClient, functionName: string): Promise<boolean> {
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return config.Environment?.Variables?.FAULT_INJECTION === 'on';
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

/** The process function's per-message log lines since `since` (ms epoch). */
export async function deliveryLogs(logs: CloudWatchLogsClient, functionName: string, since: number): Promise<DeliveryLog[]> {
  const lines = await structuredLogs(logs, functionName, since);
  return lines.filter((line) => line.message === 'message done' || line.message === 'message failed') as unknown as DeliveryLog[];
}

export interface InvocationLog {
  messages: number;
  peeks: number;
  transactions: number;
  cancelled: number;
  wruRule: number;
  wruReported: number;
  durationMs: number;
}

/** The process function's per-invocation summaries since `since` (ms epoch). */
export async function invocationLogs(logs: CloudWatchLogsClient, functionName: string, since: number): Promise<InvocationLog[]> {
  return (await structuredLogs(logs, functionName, since)).filter((line) => line.message === 'batch done') as unknown as InvocationLog[];
}

async function structuredLogs(logs: CloudWatchLogsClient, functionName: string, since: number): Promise<Array<Record<string, unknown> & { time: number }>> {
  const lines: Array<Record<string, unknown> & { time: number }> = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}`, startTime: since, nextToken }),
      );
      for (const event of page.events ?? []) {
        const start = event.message?.indexOf('{') ?? -1;
        if (start < 0) continue;
        try {
          lines.push({ time: event.timestamp ?? 0, ...JSON.parse(event.message!.slice(start)) });
        } catch {
          // not one of ours
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  return lines.sort((a, b) => a.time - b.time);
}
