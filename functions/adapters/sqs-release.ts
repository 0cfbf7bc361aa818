import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { inGroupsOf } from '../shared/groups.ts';

/** ChangeMessageVisibilityBatch takes at most 10 entries. */
const maxEntries = 10;

export interface ReleaseResult {
  released: number;
  failed: number;
  /** The first error, when a whole call failed (the entries SQS refused one by one are only counted). */
  cause?: unknown;
}

/**
 * Makes received messages visible again at once. A message the consumer never started would
 * otherwise wait out the whole visibility timeout (30 s locally, 60 s on AWS) before anyone may
 * try it. Best effort: a handle not released here comes back after the timeout, as before.
 */
export async function releaseForRedelivery(
  client: SQSClient,
  queueUrl: string,
  receiptHandles: string[],
  signal?: AbortSignal,
): Promise<ReleaseResult> {
  const results = await Promise.all(
    inGroupsOf(receiptHandles, maxEntries).map(async (handles): Promise<ReleaseResult> => {
      try {
        const entries = handles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle, VisibilityTimeout: 0 }));
        const output = await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }), {
          abortSignal: signal,
        });
        return { released: output.Successful?.length ?? 0, failed: output.Failed?.length ?? 0 };
      } catch (error) {
        return { released: 0, failed: handles.length, cause: error };
      }
    }),
  );
  return {
    released: results.reduce((sum, r) => sum + r.released, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    cause: results.find((r) => r.cause !== undefined)?.cause,
  };
}
