import { DynamoDbReads } from '../adapters/dynamo-reads.ts';
import { SqsDepth } from '../adapters/sqs-depth.ts';
import { readStats } from '../domain/stats.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { httpHandler, reply } from '../shared/http.ts';

const { EVENTS_TABLE, LEDGER_TABLE, COUNTER_SHARDS, QUEUE_URL, DLQ_URL } = config();
const reads = new DynamoDbReads(dynamoClient(), { eventsTable: EVENTS_TABLE, ledgerTable: LEDGER_TABLE, counterShards: COUNTER_SHARDS });
const depth = new SqsDepth(sqsClient(), { queueUrl: QUEUE_URL, deadLetterUrl: DLQ_URL });
// The ledger table is created with the stack, so its creation time is when this deployment started.
let startedAt: Promise<Date | undefined> | undefined;

export const handler = httpHandler(['GET'], async () =>
  reply(
    200,
    await readStats({
      counters: reads,
      queueDepth: () => depth.read(),
      startedAt: () => (startedAt ??= reads.tableCreatedAt(LEDGER_TABLE)),
    }),
  ),
);
