import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbLedger } from '../adapters/dynamo-ledger.ts';
import { withInjectedFaults } from '../adapters/fault-injection.ts';
import { releaseForRedelivery } from '../adapters/sqs-release.ts';
import { type ConsumeMetrics, consumeMessage } from '../domain/consume.ts';
import { DeadlineError } from '../domain/errors.ts';
import { dynamoClient } from '../shared/clients/dynamo.ts';
import { sqsClient } from '../shared/clients/sqs.ts';
import { config } from '../shared/config.ts';
import { withDeadline } from '../shared/deadline.ts';
import { describe } from '../shared/http.ts';
import { observed } from '../shared/lambda.ts';
import { logger } from '../shared/logger.ts';
import { MetricUnit, metrics } from '../shared/metrics.ts';

const { EVENTS_TABLE, LEDGER_TABLE, QUEUE_URL, DEDUP_RETENTION_DAYS, COUNTER_SHARDS, TOTALS_SHARDS, FAULT_INJECTION, PEEK_BEFORE_WRITE } =
  config();
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
/** Returning unstarted messages to the queue must end before the invocation does. */
const releaseMarginMs = 200;

/** A message that no release of publish wrote. It stays in the queue, and after maxReceiveCount lands in the DLQ intact. */
class UnreadableMessageError extends Error {
  override readonly name = 'UnreadableMessageError';
}

/** The DynamoDB work of one message, as metrics: the benchmark sums them from the EMF lines. */
function addWorkMetrics(work: ConsumeMetrics): void {
  metrics.addMetric('PreReads', MetricUnit.Count, work.peeks);
  metrics.addMetric('PreReadKeys', MetricUnit.Count, work.peekedKeys);
  metrics.addMetric('TransactionsCommitted', MetricUnit.Count, work.transactions);
  metrics.addMetric('TransactionsCancelled', MetricUnit.Count, work.cancelled);
  metrics.addMetric('WriteUnits', MetricUnit.Count, work.wruRule);
  metrics.addMetric('WriteUnitsReported', MetricUnit.Count, work.wruReported);
}

/**
 * `toRelease` collects the messages that the deadline, not their own work, kept from finishing:
 * those not started, and those cut short after an earlier message of the batch had used part of
 * the time (their committed chunks stay committed; a redelivery recognises them by their markers
 * and applies the rest). The batch's first message had the whole invocation: if even that was not
 * enough, its calls are slow (a throttled table), and it waits out the visibility timeout like any
 * failure, which is the backoff a slow dependency needs.
 */
function processRecordWithin(context: Context, signal: AbortSignal, toRelease: string[]) {
  let started = 0;
  return async (record: SQSRecord): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? 1);
    if (context.getRemainingTimeInMillis() < minimumStartMs || signal.aborted) {
      metrics.addMetric('MessagesNotStarted', MetricUnit.Count, 1);
      toRelease.push(record.receiptHandle);
      throw new DeadlineError(`not started: ${context.getRemainingTimeInMillis()} ms left`);
    }
    const hadTheWholeInvocation = started++ === 0;
    try {
      const outcome = await consumeMessage(record.body, record.messageId, ledger, {
        counterShards: COUNTER_SHARDS,
        totalsShards: TOTALS_SHARDS,
        peek: PEEK_BEFORE_WRITE === 'on',
        faults: { enabled: FAULT_INJECTION === 'on', receiveCount },
        signal,
      });
      addWorkMetrics(outcome.metrics);
      if (outcome.status === 'unreadable') {
        metrics.addMetric('MessagesUnreadable', MetricUnit.Count, 1);
        logger.error('message unreadable; left for the DLQ', { messageId: record.messageId, receiveCount, reason: outcome.reason });
        throw new UnreadableMessageError(outcome.reason);
      }
      metrics.addMetric('EventsStored', MetricUnit.Count, outcome.unique);
      metrics.addMetric('DuplicatesDropped', MetricUnit.Count, outcome.duplicates);
      metrics.addMetric('EventsRedelivered', MetricUnit.Count, outcome.redelivered);
      logger.info('message done', { messageId: record.messageId, receiveCount, ...outcome });
    } catch (error) {
      metrics.addMetric('MessagesFailed', MetricUnit.Count, 1);
      if (signal.aborted && !hadTheWholeInvocation) {
        metrics.addMetric('MessagesCutShort', MetricUnit.Count, 1);
        toRelease.push(record.receiptHandle);
      }
      if (!(error instanceof UnreadableMessageError))
        logger.warn('message failed', { messageId: record.messageId, receiveCount, error: describe(error) });
      throw error;
    }
  };
}

/** Messages this invocation had no time to start or finish go back to the queue at once, not after the visibility timeout. */
async function releaseUnfinished(receiptHandles: string[], context: Context): Promise<void> {
  const result = await withDeadline(context, releaseMarginMs, (signal) =>
    releaseForRedelivery(sqsClient(), QUEUE_URL, receiptHandles, signal),
  );
  metrics.addMetric('MessagesReleased', MetricUnit.Count, result.released);
  if (result.failed > 0)
    logger.warn('messages not finished stay invisible until their visibility timeout', {
      failed: result.failed,
      error: result.cause === undefined ? undefined : describe(result.cause),
    });
}

// A failing message is reported alone (ReportBatchItemFailures); the others are acknowledged.
export const handler = observed(async (event: SQSEvent, context: Context) => {
  const started = performance.now();
  metrics.addMetric('Messages', MetricUnit.Count, event.Records.length);
  // Messages one after another: each one's pre-read then sees what the previous one stored, instead
  // of racing it into a cancelled transaction. Concurrency comes from concurrent invocations.
  const unfinished: string[] = [];
  const response = await withDeadline(context, deadlineMarginMs, (signal) =>
    processPartialResponse(event, processRecordWithin(context, signal, unfinished), processor, {
      context,
      throwOnFullBatchFailure: false,
      processInParallel: false,
    }),
  );
  if (unfinished.length > 0) await releaseUnfinished(unfinished, context);
  metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, Math.round(performance.now() - started));
  return response;
});
