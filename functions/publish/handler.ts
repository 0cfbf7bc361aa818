import { randomUUID } from 'node:crypto';
import { injectedRefusal } from '../adapters/fault-injection.ts';
import { SqsEventQueue } from '../adapters/sqs-queue.ts';
import { ingest } from '../domain/ingest.ts';
import { parsePublishRequest } from '../domain/publish-request.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { headerOf, httpHandler, reply } from '../shared/http.ts';
import { MetricUnit, metrics } from '../shared/metrics.ts';

const { QUEUE_URL, EVENTS_PER_MESSAGE, EVENTS_PER_TRANSACTION, FAULT_INJECTION } = config();
const queue = new SqsEventQueue(sqsClient(), QUEUE_URL, FAULT_INJECTION === 'on' ? { refuse: (message) => injectedRefusal(message) } : {});

export const handler = httpHandler(['POST'], async (event, { signal }) => {
  const events = parsePublishRequest({
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: headerOf(event, 'content-type'),
  });
  const receipt = await ingest(events, queue, {
    requestId: randomUUID(),
    eventsPerMessage: EVENTS_PER_MESSAGE,
    eventsPerTransaction: EVENTS_PER_TRANSACTION,
    signal,
  });
  metrics.addMetric('EventsAccepted', MetricUnit.Count, receipt.accepted);
  return reply(202, { status: 'accepted', accepted: receipt.accepted, request_id: receipt.requestId }, {}, { accepted: receipt.accepted });
});
