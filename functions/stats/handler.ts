import { DynamoDbCounterStore } from '../adapters/dynamo-counters.ts';
import { SqsDepth } from '../adapters/sqs-depth.ts';
import { parseStatsQuery, readStats, rememberSuccess } from '../domain/stats.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { httpHandler, reply } from '../shared/http.ts';

const { LEDGER_TABLE, QUEUE_URL, DLQ_URL } = config();
const counters = new DynamoDbCounterStore(dynamoClient(), { ledgerTable: LEDGER_TABLE });
const depth = new SqsDepth(sqsClient(), { queueUrl: QUEUE_URL, deadLetterUrl: DLQ_URL });
// The ledger table is created with the stack, so its creation time is when this deployment started.
const startedAt = rememberSuccess((signal) => counters.tableCreatedAt(signal));

export const handler = httpHandler(['GET'], async (event, { signal }) =>
  reply(
    200,
    await readStats(parseStatsQuery(event.queryStringParameters), { counters, queueDepth: (s) => depth.read(s), startedAt }, signal),
  ),
);
