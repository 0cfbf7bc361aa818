/** AWS us-east-1 list prices (on-demand), as published by AWS and known to this project on `date`. */
export const prices = {
  date: '2026-11-22',
  region: 'us-east-1',
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaGbSecond: 0.0000166667,
  sqsRequestsPerMillion: 0.4,
  dynamoWriteUnitsPerMillion: 0.625,
  dynamoReadUnitsPerMillion: 0.125,
  lambdaMemoryGb: 0.25,
};

/** What one run used, in AWS's billing units. */
export interface Usage {
  events: number;
  apiRequests: number;
  lambdaInvocations: number;
  lambdaSeconds: number;
  sqsBilledRequests: number;
  writeUnits: number;
  readUnits: number;
}

/** Dollars per million events, by service, at list prices. */
export function costPerMillion(usage: Usage) {
  const perEvent = (count: number, perMillionPrice: number) => (count / usage.events) * perMillionPrice;
  const byService = {
    api_gateway: perEvent(usage.apiRequests, prices.apiGatewayRestPerMillion),
    lambda:
      perEvent(usage.lambdaInvocations, prices.lambdaRequestsPerMillion) +
      (usage.lambdaSeconds / usage.events) * 1e6 * prices.lambdaMemoryGb * prices.lambdaGbSecond,
    sqs: perEvent(usage.sqsBilledRequests, prices.sqsRequestsPerMillion),
    dynamodb: perEvent(usage.writeUnits, prices.dynamoWriteUnitsPerMillion) + perEvent(usage.readUnits, prices.dynamoReadUnitsPerMillion),
  };
  return { total: Object.values(byService).reduce((a, b) => a + b, 0), byService };
}

/** SQS bills each started 64 KB of a request's payload as one request. */
export const sqsBilledUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 65536));
