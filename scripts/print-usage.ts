// Prints the API URL on a line of its own, then ready-to-paste commands for every endpoint.
import { readStack } from './lib/stack.ts';

const stack = readStack();
const api = stack.apiUrl;
const event = JSON.stringify({
  topic: 'auth.login',
  event_id: 'evt-1',
  timestamp: '2026-11-22T10:00:00Z',
  source: 'api-1',
  payload: { user: 'ana' },
});

console.log(`API_URL=${api}
idemlog is deployed to stage '${stack.stage}'. Try it:

  export API_URL=${api}
  # publish one event (202), then the same again: stored once, counted as a duplicate
  curl -s -X POST "$API_URL/publish" -H 'content-type: application/json' -d '${event}'
  # publish a batch
  curl -s -X POST "$API_URL/publish" -H 'content-type: application/json' -d '{"events":[${event}]}'
  curl -s "$API_URL/stats"
  curl -s "$API_URL/events?topic=auth.login&limit=10"
  curl -s "$API_URL/events?limit=10"          # most recent across topics
  curl -s "$API_URL/health"

Queue ${stack.queueUrl}   DLQ ${stack.deadLetterQueueUrl}
Tables ${stack.eventsTable}, ${stack.ledgerTable}   Outputs in .idemlog/stack.json
Emulator log: .idemlog/emulator.log   Stop the emulator: npm stop`);
