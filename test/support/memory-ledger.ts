import { type ChunkWrite, type CommitOutcome, type Ledger, maxKeysPerPeek } from '../../functions/domain/consume.ts';
import { addCounts, type Counts, noCounts } from '../../functions/domain/counts.ts';
import type { EventIdentity } from '../../functions/domain/event.ts';
import { eventKey } from '../../functions/domain/identity.ts';

/** An in-memory Ledger with DynamoDB's all-or-nothing transaction semantics. */
export class MemoryLedger implements Ledger {
  readonly markers = new Map<string, string>();
  readonly events = new Map<string, string>();
  readonly counters = new Map<string, Counts>();
  readonly totals = noCounts();
  rejected = 0;
  /** Outcomes to return before doing real work, e.g. [{kind: 'contended'}]. */
  readonly scripted: CommitOutcome[] = [];
  commits = 0;

  /** Keys each pre-read asked for, markers included, after the adapter's own removal of repeats. */
  readonly peekedKeys: number[] = [];

  /**
   * Refuses what DynamoDB's BatchGetItem refuses: more than 100 keys, or a marker twice (events
   * have their repeats removed first, as the DynamoDB ledger does).
   */
  async peek(chunkIds: string[], events: EventIdentity[]) {
    const keys = new Set(events.map(eventKey)).size + chunkIds.length;
    if (new Set(chunkIds).size !== chunkIds.length) throw new Error('BatchGetItem: the same marker asked for twice');
    if (keys > maxKeysPerPeek) throw new Error(`BatchGetItem: ${keys} keys in one call, at most ${maxKeysPerPeek}`);
    this.peekedKeys.push(keys);
    return { applied: chunkIds.filter((id) => this.markers.has(id)), stored: events.map(eventKey).filter((key) => this.events.has(key)) };
  }

  async commit(write: ChunkWrite): Promise<CommitOutcome> {
    this.commits++;
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    if (this.markers.has(write.chunkId)) return { kind: 'already-applied' };
    const existing = write.inserts.map(eventKey).filter((key) => this.events.has(key));
    if (existing.length > 0) return { kind: 'duplicates', keys: existing };
    this.markers.set(write.chunkId, write.outcomes);
    for (const event of write.inserts) this.events.set(eventKey(event), write.chunkId);
    for (const [topic, counts] of write.counts) this.counters.set(topic, addCounts(this.counters.get(topic) ?? noCounts(), counts));
    addCounts(this.totals, write.totals);
    return { kind: 'committed', cost: { rule: 2 * (2 + write.inserts.length + write.counts.size) } };
  }

  async recordUnreadable(fingerprint: string): Promise<CommitOutcome> {
    const key = `unreadable#${fingerprint}`;
    if (this.markers.has(key)) return { kind: 'already-applied' };
    this.markers.set(key, '');
    this.rejected++;
    return { kind: 'committed' };
  }
}
