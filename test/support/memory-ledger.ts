import type { ChunkWrite, CommitOutcome, Ledger } from '../../functions/domain/consume.ts';
import { eventKey } from '../../functions/domain/event.ts';

/** An in-memory Ledger with DynamoDB's all-or-nothing transaction semantics. */
export class MemoryLedger implements Ledger {
  readonly markers = new Set<string>();
  readonly events = new Map<string, string>();
  readonly counters = new Map<string, { received: number; unique: number; duplicates: number }>();
  rejected = 0;
  /** Outcomes to return before doing real work, e.g. [{kind: 'contended'}]. */
  readonly scripted: CommitOutcome[] = [];
  commits = 0;

  peeks = 0;

  async peekChunk(markerId: string, keys: Array<{ topic: string; event_id: string }>) {
    this.peeks++;
    return { applied: this.markers.has(markerId), stored: keys.map(eventKey).filter((key) => this.events.has(key)) };
  }

  async commitChunk(write: ChunkWrite): Promise<CommitOutcome> {
    this.commits++;
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    if (this.markers.has(write.markerId)) return { kind: 'already-applied' };
    const existing = write.inserts.map(eventKey).filter((key) => this.events.has(key));
    if (existing.length > 0) return { kind: 'duplicates', keys: existing };
    this.markers.add(write.markerId);
    for (const event of write.inserts) this.events.set(eventKey(event), write.deliveryId);
    for (const [topic, counts] of write.counts) {
      const current = this.counters.get(topic) ?? { received: 0, unique: 0, duplicates: 0 };
      current.received += counts.received;
      current.unique += counts.unique;
      current.duplicates += counts.duplicates;
      this.counters.set(topic, current);
    }
    return { kind: 'committed', cost: { rule: 2 * (1 + write.inserts.length + write.counts.size) } };
  }

  async commitRejection(markerId: string): Promise<CommitOutcome> {
    if (this.markers.has(markerId)) return { kind: 'already-applied' };
    this.markers.add(markerId);
    this.rejected++;
    return { kind: 'committed' };
  }
}
