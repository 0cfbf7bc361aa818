import { DynamoDbOutcomeReader } from '../adapters/dynamo-outcomes.ts';
import { DynamoDbRequestRecords } from '../adapters/dynamo-request-records.ts';
import { injectedRefusal } from '../adapters/fault-injection.ts';
import { SqsEventQueue } from '../adapters/sqs-queue.ts';
import { publish } from '../domain/publish.ts';
import { decodePublishRequest } from '../edge/publish-http.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { callerOf, headerOf, httpHandler, reply } from '../shared/http.ts';
import { MetricUnit, metrics } from '../shared/metrics.ts';

const { QUEUE_URL, LEDGER_TABLE, IDEMPOTENCY_TABLE, IDEMPOTENCY_TTL_HOURS, EVENTS_PER_MESSAGE, EVENTS_PER_TRANSACTION, FAULT_INJECTION } =
  config();
const services = {
  queue: new SqsEventQueue(sqsClient(), QUEUE_URL, FAULT_INJECTION === 'on' ? { refuse: (message) => injectedRefusal(message) } : {}),
  outcomes: new DynamoDbOutcomeReader(dynamoClient(), LEDGER_TABLE),
  records: new DynamoDbRequestRecords(dynamoClient(), IDEMPOTENCY_TABLE, IDEMPOTENCY_TTL_HOURS * 3600),
  packing: { eventsPerMessage: EVENTS_PER_MESSAGE, eventsPerTransaction: EVENTS_PER_TRANSACTION },
};
/** Time kept back from a wait, to answer before the function's own timeout. */
const answerMarginMs = 2000;

export const handler = httpHandler(['POST'], async (event, { signal, context }) => {
  const request = decodePublishRequest({
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: headerOf(event, 'content-type'),
    query: event.queryStringParameters,
    idempotencyKey: headerOf(event, 'idempotency-key'),
    prefer: headerOf(event, 'prefer'),
  });
  const result = await publish({ ...request, caller: callerOf(event) }, services, {
    signal,
    waitLimitMs: context.getRemainingTimeInMillis() - answerMarginMs,
    leaseMs: context.getRemainingTimeInMillis(),
  });
  if (!result.replayed) metrics.addMetric('EventsAccepted', MetricUnit.Count, result.accepted);
  const { replayed, ...body } = result;
  const headers: Record<string, string> = {
    ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    ...(request.wait?.from === 'prefer' && !replayed ? { 'Preference-Applied': `wait=${request.wait.seconds}` } : {}),
  };
  return reply(body.status === 'applied' ? 200 : 202, body, headers, { accepted: body.accepted, replayed });
});
