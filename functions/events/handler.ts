import { DynamoDbEventStore } from '../adapters/dynamo-events.ts';
import { parseEventsQuery, readEventsPage } from '../domain/events-page.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { config } from '../shared/config.ts';
import { httpHandler, reply } from '../shared/http.ts';

const { EVENTS_TABLE } = config();
const store = new DynamoDbEventStore(dynamoClient(), EVENTS_TABLE);

export const handler = httpHandler(['GET'], async (event, { signal }) =>
  reply(200, await readEventsPage(parseEventsQuery(event.queryStringParameters), store, signal)),
);
