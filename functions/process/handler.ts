import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbLedger } from '../adapters/dynamo-ledger.ts';
import { withInjectedConflicts } from '../adapters/fault-injection.ts';
import { addMetrics, type ConsumeMetrics, consumeMessage, emptyMetrics } from '../domain/consume.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { config } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';

const {
  EVENTS_TABLE,
  LEDGER_TABLE,
  DEDUP_RETENTION_DAYS,
  COUNTER_SHARDS,
  COUNTER_TOPIC_GROUPS,
  EVENTS_PER_TRANSACTION,
  FAULT_INJECTION,
  PEEK_BEFORE_WRITE,
} = config();
const dynamoLedger = new DynamoDbLedger(dynamoClient(), {
  eventsTable: EVENTS_TABLE,
  ledgerTable: LEDGER_TABLE,
  retentionDays: DEDUP_RETENTION_DAYS,
  topicGroups: COUNTER_TOPIC_GROUPS,
});
const ledger = FAULT_INJECTION === 'on' ? withInjectedConflicts(dynamoLedger) : dynamoLedger;
const processor = new BatchProcessor(EventType.SQS);
let invocation: { messages: number; metrics: ConsumeMetrics };

async function processRecord(record: SQSRecord): Promise<void> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? 1);
  try {
    const outcome = await consumeMessage(record.body, record.messageId, ledger, {
      counterShards: COUNTER_SHARDS,
      defaultTransactionSize: EVENTS_PER_TRANSACTION,
      peek: PEEK_BEFORE_WRITE === 'on',
      faults: { enabled: FAULT_INJECTION === 'on', receiveCount },
    });
    addMetrics(invocation.metrics, outcome.metrics);
    logger.info('message done', { messageId: record.messageId, receiveCount, ...outcome });
  } catch (error) {
    logger.warn('message failed', {
      messageId: record.messageId,
      receiveCount,
      error: (error as Error).name,
      reason: (error as Error).message,
    });
    throw error;
  }
}

// One failing message is reported alone (ReportBatchItemFailures); the others are acknowledged.
export const handler = async (event: SQSEvent, context: Context) => {
  const started = performance.now();
  invocation = { messages: event.Records.length, metrics: emptyMetrics() };
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
    durationMs: Math.round(performance.now() - started),
  });
  return response;
};
