import { setTimeout as sleep } from 'node:timers/promises';
import type { ChunkWrite, CommitOutcome, Ledger } from '../domain/consume.ts';
import type { PackedMessage } from '../domain/envelope.ts';
import { faultMarker, injectedConflicts, injectedDelayMs, refusesEnqueue } from '../domain/faults.ts';
import { parseJson } from '../domain/json.ts';

/**
 * Wraps a ledger so that chunks carrying a `conflict` marker are reported as contended the given
 * number of times first, the way DynamoDB cancels a transaction that races another, and chunks
 * carrying a `slow` marker wait first. Wired in only when FAULT_INJECTION=on.
 */
export function withInjectedFaults(ledger: Ledger): Ledger {
  const attempts = new Map<string, number>();
  return {
    peek: (chunkIds, events, signal) => ledger.peek(chunkIds, events, signal),
    recordUnreadable: (fingerprint, shard, signal) => ledger.recordUnreadable(fingerprint, shard, signal),
    async commit(write: ChunkWrite, signal?: AbortSignal): Promise<CommitOutcome> {
      const delay = injectedDelayMs(write.inserts);
      if (delay > 0) await sleep(delay, undefined, { signal });
      const wanted = injectedConflicts(write.inserts);
      const seen = attempts.get(write.chunkId) ?? 0;
      if (seen < wanted) {
        attempts.set(write.chunkId, seen + 1);
        return { kind: 'contended' };
      }
      return ledger.commit(write, signal);
    },
  };
}

/** For the SQS adapter: refuse a message whose events carry a `refuse_enqueue` marker still in force. */
export function injectedRefusal(message: PackedMessage, now = new Date()): boolean {
  // Most messages carry no marker at all: skip parsing what the publish handler just serialised.
  if (!message.body.includes(faultMarker)) return false;
  const envelope = parseJson(message.body) as { chunks: Array<Array<{ payload: Record<string, unknown> }>> };
  return refusesEnqueue(envelope.chunks.flat(), now);
}
