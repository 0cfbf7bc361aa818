/**
 * The configuration a function parses as it loads (functions/shared/config.ts), with names only:
 * nothing behind them is reachable. For running the handlers outside Lambda: the profiler, the
 * cold-start measure, and unit tests.
 */
export const offlineFunctionEnvironment = {
  EVENTS_TABLE: 'events',
  LEDGER_TABLE: 'ledger',
  IDEMPOTENCY_TABLE: 'requests',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/events',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/events-dlq',
} as const;
