import { injectedRefusal } from '../adapters/fault-injection.ts';
import { SqsEventQueue } from '../adapters/sqs-queue.ts';
import { enqueueBatch } from '../domain/publish.ts';
import { type Protocol, ship } from '../edge/protocols/shippers.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { headerOf, httpHandler, NotFoundError } from '../shared/http.ts';
import { MetricUnit, metrics } from '../shared/metrics.ts';

const { QUEUE_URL, EVENTS_PER_MESSAGE, EVENTS_PER_TRANSACTION, FAULT_INJECTION } = config();
const services = {
  queue: new SqsEventQueue(sqsClient(), QUEUE_URL, FAULT_INJECTION === 'on' ? { refuse: (message) => injectedRefusal(message) } : {}),
  packing: { eventsPerMessage: EVENTS_PER_MESSAGE, eventsPerTransaction: EVENTS_PER_TRANSACTION },
};

/** The shippers' protocols, by the route API Gateway matched. */
const protocols: Record<string, Protocol> = {
  '/v1/logs': 'otlp',
  '/loki/api/v1/push': 'loki',
  '/_bulk': 'elastic',
  '/{index}/_bulk': 'elastic',
  '/services/collector': 'splunk',
  '/services/collector/event': 'splunk',
};

export const handler = httpHandler(['POST'], async (event, { signal }) => {
  const protocol = protocols[event.resource];
  if (!protocol) throw new NotFoundError(`no shipper protocol at ${event.path}`);
  const result = await ship(
    {
      protocol,
      ...(event.pathParameters?.index ? { pathIndex: event.pathParameters.index } : {}),
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      contentType: headerOf(event, 'content-type'),
      contentEncoding: headerOf(event, 'content-encoding'),
    },
    (events) => enqueueBatch(events, services, signal),
  );
  if (typeof result.log?.accepted === 'number') metrics.addMetric('EventsAccepted', MetricUnit.Count, result.log.accepted);
  return { ...result, log: { ...result.log, protocol } };
});
