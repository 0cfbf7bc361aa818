import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';

import type { Context, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { makeEvent } from '../support/events.ts';
import { handlerUnderTest } from '../support/handler-env.ts';

const { dynamo, sqs, handler } = handlerUnderTest(async () => (await import('../../functions/process/handler.ts')).handler);

/** Each transaction takes this long, so that the test's short invocation cannot fit them all. */
const transactionMs = 400;

beforeEach(() => {
  dynamo.on(BatchGetItemCommand).resolves({ Responses: {} });
  dynamo.on(TransactWriteItemsCommand).callsFake(async () => {
    await sleep(transactionMs);
    return {};
  });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(async (input: { Entries: unknown[] }) => ({
    Successful: input.Entries.map((_, i) => ({ Id: String(i) })),
    Failed: [],
  }));
});

/** A message of `chunks` one-event chunks: one transaction each. */
function record(name: string, chunks: number): SQSRecord {
  const events = Array.from({ length: chunks }, () => eventSchema.parse(makeEvent({ topic: 't' })));
  const [message] = packEvents(events, { requestId: name, eventsPerMessage: 100, eventsPerTransaction: 1 });
  return {
    messageId: name,
    receiptHandle: `handle-${name}`,
    body: message!.body,
    attributes: { ApproximateReceiveCount: '1' },
  } as unknown as SQSRecord;
}

/** An invocation with `ms` left: the handler cancels its calls 750 ms before the end and starts nothing with less than 1.5 s left. */
function contextWithMs(ms: number): Context {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now(), functionName: 'process', awsRequestId: 'r' } as unknown as Context;
}

const released = () =>
  sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries!.map((e) => e.ReceiptHandle));

describe('the process handler at its deadline', () => {
  it('releases a message cut short after an earlier one used part of the time, and the ones it never started', async () => {
    const response = await handler()({ Records: [record('a', 1), record('b', 5), record('c', 1)] }, contextWithMs(2400));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['b', 'c']);
    expect(released()).toEqual(['handle-b', 'handle-c']);
  });

  it('leaves the first message to the visibility timeout when even the whole invocation was too short for it: its calls are slow', async () => {
    const response = await handler()({ Records: [record('a', 5), record('b', 1)] }, contextWithMs(2400));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b']);
    expect(released()).toEqual(['handle-b']);
  });
});
