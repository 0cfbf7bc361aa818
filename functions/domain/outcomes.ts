import { withTimeout } from '../shared/deadline.ts';
import { withRetries } from '../shared/retry.ts';
import type { PackedMessage } from './envelope.ts';

/** Reads what the consumer recorded for applied chunks: one letter per event, `s` stored, `d` duplicate. */
export interface OutcomeReader {
  outcomesOf(chunkIds: string[], signal?: AbortSignal): Promise<Map<string, string>>;
}

export type EventOutcome = 'stored' | 'duplicate' | 'pending';

class StillPending extends Error {
  override readonly name = 'StillPending';
}

/**
 * Follows the events of one publish request until every chunk is applied or `waitMs` runs out,
 * and says, in request order, which events were stored and which were duplicates. Read-your-
 * writes: an event answered `stored` or `duplicate` is in the tables and in the counters.
 */
export async function awaitOutcomes(
  chunks: PackedMessage['chunks'],
  eventCount: number,
  reader: OutcomeReader,
  options: { waitMs: number; signal?: AbortSignal },
): Promise<EventOutcome[]> {
  const found = new Map<string, string>();
  const wanted = chunks.map((chunk) => chunk.id);
  await withTimeout(options.waitMs, async (timeout) => {
    const signal = AbortSignal.any([timeout, ...(options.signal ? [options.signal] : [])]);
    try {
      await withRetries(
        async () => {
          const missing = wanted.filter((id) => !found.has(id));
          for (const [id, letters] of await reader.outcomesOf(missing, signal)) found.set(id, letters);
          if (found.size < wanted.length) throw new StillPending(`${wanted.length - found.size} chunk(s) not applied yet`);
        },
        {
          attempts: Number.POSITIVE_INFINITY,
          retryable: (error) => error instanceof StillPending,
          minDelayMs: 50,
          maxDelayMs: 500,
          signal,
        },
      );
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  });
  const outcomes: EventOutcome[] = Array.from({ length: eventCount }, () => 'pending');
  for (const chunk of chunks) {
    const letters = found.get(chunk.id);
    if (letters === undefined) continue;
    chunk.positions.forEach((position, i) => {
      outcomes[position] = letters[i] === 's' ? 'stored' : 'duplicate';
    });
  }
  return outcomes;
}
