import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ChunkWrite, CommitOutcome, Ledger } from '../domain/consume.ts';
import type { Counts } from '../domain/counts.ts';
import type { EventIdentity } from '../domain/event.ts';
import { eventKey } from '../domain/identity.ts';
import { batchGetAll } from './batch-get.ts';
import { eventItemKey, lanesFor, markerKey, toEventItem, topicCounterKey, totalsKey, unreadableKey } from './items.ts';
import { indexWriteUnits, transactionalWriteUnits } from './write-cost.ts';

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

export interface LedgerTables {
  eventsTable: string;
  ledgerTable: string;
  /** Days before DynamoDB TTL may expire a stored event; 0 keeps it forever. */
  retentionDays: number;
}

/** A marker must outlive every possible redelivery: SQS keeps a message at most 14 days. */
const markerLifetimeSeconds = 15 * 24 * 3600;
/** Cancellation reasons that mean "nothing was written, the same transaction may succeed later". */
const contendedReasons = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
/** Each of the two indexes takes one write per new event (its entry is far below 1 KB). */
const indexesPerEvent = 2;

export class DynamoDbLedger implements Ledger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: LedgerTables;
  private readonly clock: () => Date;

  constructor(client: DynamoDBDocumentClient, tables: LedgerTables, clock: () => Date = () => new Date()) {
    this.client = client;
    this.tables = tables;
    this.clock = clock;
  }

  async peek(chunkIds: string[], events: EventIdentity[], signal?: AbortSignal): Promise<{ applied: string[]; stored: string[] }> {
    const unique = [...new Map(events.map((e) => [eventKey(e), eventItemKey(e)])).values()];
    const chunkIdOf = new Map(chunkIds.map((id) => [markerKey(id).pk, id]));
    const responses = await batchGetAll(
      this.client,
      {
        [this.tables.ledgerTable]: { Keys: chunkIds.map(markerKey), ProjectionExpression: 'pk' },
        ...(unique.length > 0 ? { [this.tables.eventsTable]: { Keys: unique, ProjectionExpression: 'id' } } : {}),
      },
      signal,
    );
    const applied = (responses[this.tables.ledgerTable] ?? []).map((item) => chunkIdOf.get(String(item.pk))!);
    const stored = (responses[this.tables.eventsTable] ?? []).map((item) => String(item.id));
    return { applied, stored };
  }

  async commit(write: ChunkWrite, signal?: AbortSignal): Promise<CommitOutcome> {
    const now = this.clock();
    const expiresAt = this.tables.retentionDays > 0 ? epochSeconds(now) + this.tables.retentionDays * 86400 : undefined;
    const lanes = lanesFor(write.chunkId, write.inserts);
    const eventItems = write.inserts.map((event, i) =>
      toEventItem(event, { chunkId: write.chunkId, storedAt: now.toISOString(), expiresAt, ...lanes[i]! }),
    );
    const items: TransactItems = [
      this.markerPut(markerKey(write.chunkId), now, { outcomes: write.outcomes }),
      ...eventItems.map((item) => ({
        Put: { TableName: this.tables.eventsTable, Item: item, ConditionExpression: 'attribute_not_exists(id)' },
      })),
      this.counterUpdate(totalsKey(write.shard), write.totals, now),
      ...[...write.counts].map(([topic, counts]) => this.counterUpdate(topicCounterKey(topic, write.shard), counts)),
    ];
    const indexUnits = eventItems.reduce((sum, item) => sum + indexesPerEvent * indexWriteUnits(indexEntryOf(item)), 0);
    return this.transact(items, indexUnits, signal, (codes) => {
      const duplicates = eventItems.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed').map((item) => item.id);
      return duplicates.length > 0 ? { kind: 'duplicates', keys: duplicates } : undefined;
    });
  }

  async recordUnreadable(fingerprint: string, shard: number, signal?: AbortSignal): Promise<CommitOutcome> {
    const now = this.clock();
    const rejected: TransactItems[number] = {
      Update: {
        TableName: this.tables.ledgerTable,
        Key: totalsKey(shard),
        UpdateExpression: 'ADD rejected :one SET last_processed_at = :now',
        ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString() },
      },
    };
    return this.transact([this.markerPut(unreadableKey(fingerprint), now), rejected], 0, signal, () => undefined);
  }

  /**
   * Adds to `received` and `unique` only (duplicates are the difference, see `countsOfItem`), and
   * only the shard totals carry `last_processed_at`: with many topics a transaction holds one update
   * per event, and the emulator evaluates each expression three times; the shorter one raised its
   * 10,000-topic ceiling from 0.56 to 0.69 of the 8-topic one (docs/BENCHMARKS.md). On AWS both
   * forms cost the same units.
   */
  private counterUpdate(key: Record<string, string>, counts: Counts, processedAt?: Date): TransactItems[number] {
    return {
      Update: {
        TableName: this.tables.ledgerTable,
        Key: key,
        UpdateExpression: `ADD received :r, #u :u${processedAt ? ' SET last_processed_at = :now' : ''}`,
        ExpressionAttributeNames: { '#u': 'unique' },
        ExpressionAttributeValues: {
          ':r': counts.received,
          ':u': counts.unique,
          ...(processedAt ? { ':now': processedAt.toISOString() } : {}),
        },
      },
    };
  }

  private markerPut(key: { pk: string; sk: string }, now: Date, extra: Record<string, unknown> = {}): TransactItems[number] {
    return {
      Put: {
        TableName: this.tables.ledgerTable,
        Item: { ...key, ...extra, applied_at: now.toISOString(), expires_at: epochSeconds(now) + markerLifetimeSeconds },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Runs a transaction whose first action is a marker put, and says what a cancellation means. */
  private async transact(
    items: TransactItems,
    indexUnits: number,
    signal: AbortSignal | undefined,
    explain: (codes: Array<string | undefined>) => CommitOutcome | undefined,
  ): Promise<CommitOutcome> {
    try {
      const result = await this.client.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }), {
        abortSignal: signal,
      });
      const reported = result.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      return { kind: 'committed', cost: { rule: ruleCost(items) + indexUnits, reported } };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
        if (codes[0] === 'ConditionalCheckFailed') return { kind: 'already-applied' };
        const explained = explain(codes);
        if (explained) return explained;
        if (codes.some((code) => code !== undefined && contendedReasons.has(code))) return { kind: 'contended' };
        throw new Error(`transaction cancelled: ${codes.join(', ')}`, { cause: error });
      }
      throw error;
    }
  }
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** What an index entry holds: both tables' keys, the index keys, and the projected `source` and `bytes`. */
const indexEntryOf = (item: ReturnType<typeof toEventItem>) => ({
  id: item.id,
  ts_key: item.ts_key,
  topic_lane: item.topic_lane,
  source: item.source,
  bytes: item.bytes,
});

/** Puts are sized from their item; counter updates, markers and checks stay below 1 KB. */
const ruleCost = (items: TransactItems) => items.reduce((sum, item) => sum + (item.Put ? transactionalWriteUnits(item.Put.Item!) : 2), 0);
