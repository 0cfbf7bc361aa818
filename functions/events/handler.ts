import { DynamoDbReads } from '../adapters/dynamo-reads.ts';
import { parseEventsQuery, readEventsPage } from '../domain/events-page.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { config } from '../shared/config.ts';
import { httpHandler, reply } from '../shared/http.ts';

const { EVENTS_TABLE, LEDGER_TABLE, COUNTER_SHARDS } = config();
const reads = new DynamoDbReads(dynamoClient(), { eventsTable: EVENTS_TABLE, ledgerTable: LEDGER_TABLE, counterShards: COUNTER_SHARDS });

export const handler = httpHandler(['GET'], async (event) =>
  reply(200, await readEventsPage(parseEventsQuery(event.queryStringParameters), reads)),
);
