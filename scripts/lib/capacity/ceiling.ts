import type { PartitionModel } from './partition-model.ts';

/**
 * The first of AWS's default quotas a deployment meets as the event rate grows, from what one
 * event costs: write units per table and index (on-demand: 40,000 per second each), Lambda's
 * concurrent executions per account (1,000, shared by publish, the authorizer and process), API
 * Gateway's requests per second per account and region (10,000), and the SQS trigger's maximum
 * concurrency in this template (50 on AWS). Everything scales linearly with the rate: the
 * figures are per event, from the replay and the conflict model at the modelled rate.
 */
export const awsDefaults = { wcuPerTable: 40_000, lambdaConcurrency: 1000, apiRequestsPerSecond: 10_000, triggerConcurrency: 50 };

/** Function time per request on AWS, assumed (the emulator's figures are not AWS's): publish and the authorizer. */
const publishSeconds = 0.03;
const authorizerSeconds = 0.01;

export function writeUnitsPerEvent(model: PartitionModel, events: number): Record<string, number> {
  return Object.fromEntries(
    model
      .summary()
      .filter((space) => space.kind === 'write')
      .map((space) => [space.space.replace(/-capacity-[^/]*/, ''), space.totalUnits / events]),
  );
}

export interface Ceiling {
  limits: Array<{ limit: string; eventsPerSecond: number }>;
  first: { limit: string; eventsPerSecond: number };
}

export function deploymentCeiling(input: {
  wcuPerEvent: Record<string, number>;
  eventsPerRequest: number;
  /** Process invocations busy on average at `rate`, from the conflict model. */
  consumerBusy: number;
  rate: number;
}): Ceiling {
  const processPerEvent = input.consumerBusy / input.rate;
  const requestsPerEvent = 1 / input.eventsPerRequest;
  const limits = [
    ...Object.entries(input.wcuPerEvent).map(([space, units]) => ({
      limit: `${awsDefaults.wcuPerTable.toLocaleString('en')} WCU/s on ${space}`,
      eventsPerSecond: awsDefaults.wcuPerTable / units,
    })),
    {
      limit: `${awsDefaults.lambdaConcurrency} concurrent Lambda executions (publish ${publishSeconds * 1000} ms and authorizer ${authorizerSeconds * 1000} ms per request, process as modelled)`,
      eventsPerSecond: awsDefaults.lambdaConcurrency / (processPerEvent + requestsPerEvent * (publishSeconds + authorizerSeconds)),
    },
    {
      limit: `${awsDefaults.apiRequestsPerSecond.toLocaleString('en')} API requests/s (${input.eventsPerRequest} events per request)`,
      eventsPerSecond: awsDefaults.apiRequestsPerSecond * input.eventsPerRequest,
    },
    {
      limit: `the trigger's ${awsDefaults.triggerConcurrency} concurrent process invocations`,
      eventsPerSecond: awsDefaults.triggerConcurrency / processPerEvent,
    },
  ].map((entry) => ({ ...entry, eventsPerSecond: Math.round(entry.eventsPerSecond) }));
  const first = limits.reduce((a, b) => (b.eventsPerSecond < a.eventsPerSecond ? b : a));
  return { limits, first };
}

export function ceilingLines(ceiling: Ceiling): string[] {
  return [
    "the deployment's ceiling at AWS's default quotas (events/s at which each is reached):",
    ...ceiling.limits.map((entry) => `  ${entry.eventsPerSecond.toLocaleString('en').padStart(10)}  ${entry.limit}`),
    `first limit hit: ${ceiling.first.limit}, at ${ceiling.first.eventsPerSecond.toLocaleString('en')} events/s`,
  ];
}
