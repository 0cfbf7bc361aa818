// Running the functions' handlers in a plain node process, for the profiler (scripts/profile.ts)
// and the invocation-cost workers (invocation-worker.ts): the configuration they load with, their
// AWS calls sent to the stand-in server (fake-aws.ts), and the API Gateway event publish receives.
import { offlineFunctionEnvironment } from '../function-environment.ts';

/** Configures this process as a function's container named `caller`; its log lines are formatted as deployed and then dropped. */
export function actAsFunctionContainer(caller: string): void {
  Object.assign(process.env, {
    ...offlineFunctionEnvironment,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: caller,
    AWS_SECRET_ACCESS_KEY: caller,
    AWS_LAMBDA_FUNCTION_NAME: caller,
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  // As deployed, each log line is written; here it goes nowhere, at the same cost of formatting it.
  process.stdout.write = (() => true) as typeof process.stdout.write;
}

/** Sends the handlers' AWS calls to the stand-in server on `port`; the SQS client sends to the queue URL's host. */
export function useStandIn(port: number): void {
  const endpoint = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    QUEUE_URL: `${endpoint}/000000000000/events`,
    DLQ_URL: `${endpoint}/000000000000/events-dlq`,
  });
}

/** A POST /publish as API Gateway hands it to the function, with `body` as given. */
export const publishRequestEvent = (caller: string, body: string, isBase64Encoded: boolean) => ({
  httpMethod: 'POST',
  path: '/publish',
  resource: '/publish',
  headers: { 'content-type': 'application/json', 'x-api-key': caller },
  body,
  isBase64Encoded,
  queryStringParameters: null,
  requestContext: { requestId: caller, identity: {} },
});
