import { queueProbe, tableProbe } from '../adapters/probes.ts';
import { checkHealth } from '../domain/health.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { httpHandler, reply } from '../shared/http.ts';

const { EVENTS_TABLE, LEDGER_TABLE, QUEUE_URL } = config();
const probes = {
  events_table: tableProbe(dynamoClient(), EVENTS_TABLE),
  ledger_table: tableProbe(dynamoClient(), LEDGER_TABLE),
  queue: queueProbe(sqsClient(), QUEUE_URL),
};

export const handler = httpHandler(['GET'], async () => {
  const { healthy, checks } = await checkHealth(probes);
  if (healthy) return reply(200, { status: 'ok', checks });
  const down = Object.keys(checks).filter((name) => checks[name]?.status !== 'ok');
  return reply(503, {
    status: 'unavailable',
    error: 'dependency_unavailable',
    message: `not answering: ${down.join(', ')}`,
    details: down.map((name) => ({ path: name, message: checks[name]?.message ?? 'error' })),
    checks,
  });
});
