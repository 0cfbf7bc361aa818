// Prints the API URL on a line of its own, then ready-to-paste commands for every endpoint.
import { readStack, stackFile } from './lib/stack.ts';

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
API_KEY=${stack.apiKey}
idemlog is deployed to stage '${stack.stage}'. Every endpoint but /health, / and /openapi.json wants the key.
Console: ${api}/ (in a browser; it asks for the key once). OpenAPI: ${api}/openapi.json
Try it:

  export API_URL=${api} API_KEY=${stack.apiKey}
  # publish one event (202), then the same again: stored once, counted as a duplicate
  curl -s -X POST "$API_URL/publish" -H "x-api-key: $API_KEY" -H 'content-type: application/json' -d '${event}'
  # publish a batch
  curl -s -X POST "$API_URL/publish" -H "x-api-key: $API_KEY" -H 'content-type: application/json' -d '{"events":[${event}]}'
  curl -s -H "x-api-key: $API_KEY" "$API_URL/stats"
  curl -s -H "x-api-key: $API_KEY" "$API_URL/events?topic=auth.login&limit=10"
  curl -s -H "x-api-key: $API_KEY" "$API_URL/events?limit=10"          # most recent across topics
  curl -s "$API_URL/health"

Queue ${stack.queueUrl}   DLQ ${stack.deadLetterQueueUrl}
Tables ${stack.eventsTable}, ${stack.ledgerTable}   Outputs and the key in ${stackFile}
Emulator log: .idemlog/emulator.log   Stop the emulator: npm stop`);
