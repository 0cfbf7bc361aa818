import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbLedger } from '../adapters/dynamo-ledger.ts';
import { withInjectedFaults } from '../adapters/fault-injection.ts';
import { addMetrics, type ConsumeMetrics, consumeMessage, emptyMetrics } from '../domain/consume.ts';
import { DeadlineError } from '../domain/errors.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { config } from '../shared/config.ts';
import { deadlineSignal } from '../shared/deadline.ts';
import { describe } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';

const { EVENTS_TABLE, LEDGER_TABLE, DEDUP_RETENTION_DAYS, COUNTER_SHARDS, FAULT_INJECTION, PEEK_BEFORE_WRITE } = config();
const dynamoLedger = new DynamoDbLedger(dynamoClient(), {
  eventsTable: EVENTS_TABLE,
  ledgerTable: LEDGER_TABLE,
  retentionDays: DEDUP_RETENTION_DAYS,
});
const ledger = FAULT_INJECTION === 'on' ? withInjectedFaults(dynamoLedger) : dynamoLedger;
const processor = new BatchProcessor(EventType.SQS);

/** Calls still running this close to the timeout are cancelled, so the invocation can report them. */
const deadlineMarginMs = 750;
/** A message is not started with less time than this left: it goes back to the queue untouched. */
const minimumStartMs = 1500;

/** A message that no release of publish wrote. It stays in the queue, and after maxReceiveCount lands in the DLQ intact. */
class UnreadableMessageError extends Error {
  override readonly name = 'UnreadableMessageError';
}

let invocation: { messages: number; notStarted: number; metrics: ConsumeMetrics; context: Context; signal: AbortSignal };

async function processRecord(record: SQSRecord): Promise<void> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? 1);
  if (invocation.context.getRemainingTimeInMillis() < minimumStartMs || invocation.signal.aborted) {
    invocation.notStarted++;
    throw new DeadlineError(`not started: ${invocation.context.getRemainingTimeInMillis()} ms left`);
  }
  try {
    const outcome = await consumeMessage(record.body, record.messageId, ledger, {
      counterShards: COUNTER_SHARDS,
      peek: PEEK_BEFORE_WRITE === 'on',
      faults: { enabled: FAULT_INJECTION === 'on', receiveCount },
      signal: invocation.signal,
    });
    addMetrics(invocation.metrics, outcome.metrics);
    if (outcome.status === 'unreadable') {
      logger.error('message unreadable; left for the DLQ', { messageId: record.messageId, receiveCount, reason: outcome.reason });
      throw new UnreadableMessageError(outcome.reason);
    }
    logger.info('message done', { messageId: record.messageId, receiveCount, ...outcome });
  } catch (error) {
    if (!(error instanceof UnreadableMessageError))
      logger.warn('message failed', { messageId: record.messageId, receiveCount, error: describe(error) });
    throw error;
  }
}

// A failing message is reported alone (ReportBatchItemFailures); the others are acknowledged.
export const handler = async (event: SQSEvent, context: Context) => {
  const started = performance.now();
  invocation = {
    messages: event.Records.length,
    notStarted: 0,
    metrics: emptyMetrics(),
    context,
    signal: deadlineSignal(context, deadlineMarginMs),
  };
  // Messages one after another: each one's pre-read then sees what the previous one stored, instead
  // of racing it into a cancelled transaction. Concurrency comes from concurrent invocations.
  const response = await processPartialResponse(event, processRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
    processInParallel: false,
  });
  // One line per invocation: the benchmark sums these for DynamoDB requests and write units.
  logger.info('batch done', {
    messages: invocation.messages,
    ...invocation.metrics,
    failures: response.batchItemFailures.length,
    notStarted: invocation.notStarted,
    durationMs: Math.round(performance.now() - started),
  });
  return response;
};
