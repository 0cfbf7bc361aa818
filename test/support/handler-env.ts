import { vi } from 'vitest';

/**
 * The configuration a handler parses when it is loaded, for unit tests whose SDK clients are
 * mocked: names only, nothing reachable, and Powertools quiet.
 */
export function stubHandlerEnvironment(): void {
  vi.stubEnv('EVENTS_TABLE', 'events');
  vi.stubEnv('LEDGER_TABLE', 'ledger');
  vi.stubEnv('QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/events');
  vi.stubEnv('DLQ_URL', 'https://sqs.us-east-1.amazonaws.com/000000000000/events-dlq');
  vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
}
