import type { ChunkWrite, CommitOutcome, Ledger } from '../domain/consume.ts';
import type { Envelope, PackedMessage } from '../domain/envelope.ts';
import { faultMarker, injectedConflicts, refusesEnqueue } from '../domain/faults.ts';

/**
 * Wraps a ledger so that chunks carrying a `conflict` marker are reported as contended the given
 * number of times first, the way DynamoDB cancels a transaction that races another. Wired in only
 * when FAULT_INJECTION=on.
 */
export function withInjectedConflicts(ledger: Ledger): Ledger {
  const attempts = new Map<string, number>();
  return {
    peekChunk: (markerId, keys) => ledger.peekChunk(markerId, keys),
    commitRejection: (markerId, shard) => ledger.commitRejection(markerId, shard),
    async commitChunk(write: ChunkWrite): Promise<CommitOutcome> {
      const wanted = injectedConflicts(write.inserts);
      const seen = attempts.get(write.markerId) ?? 0;
      if (seen < wanted) {
        attempts.set(write.markerId, seen + 1);
        return { kind: 'contended' };
      }
      return ledger.commitChunk(write);
    },
  };
}

/** For the SQS adapter: refuse a message whose events carry a `refuse_enqueue` marker still in force. */
export function injectedRefusal(message: PackedMessage, now = new Date()): boolean {
  // Most messages carry no marker at all: skip parsing what the publish handler just serialised.
  if (!message.body.includes(faultMarker)) return false;
  const envelope = JSON.parse(message.body) as Envelope;
  return refusesEnqueue(envelope.events, now);
}
