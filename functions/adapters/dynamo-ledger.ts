import { TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChunkWrite, CommitOutcome, Ledger } from '../domain/consume.ts';
import type { Counts } from '../domain/counts.ts';
import type { EventIdentity } from '../domain/event.ts';
import { eventKey } from '../domain/identity.ts';
import { batchGetAttributes } from './batch-get.ts';
import {
  eventItemAttributes,
  eventItemKey,
  lanesFor,
  markerKey,
  numberAttribute,
  stringAttributes,
  toEventItem,
  topicCounterKey,
  totalsKey,
  unreadableKey,
} from './items.ts';
import { indexWriteUnits, transactionalWriteUnits } from './write-cost.ts';

/**
 * The transaction is built in DynamoDB's attribute format and sent as the low-level command: the
 * document client's marshalling of a hundred items was most of the CPU a chunk cost. The items
 * are sized for the write-unit metric from their plain form (items.ts).
 */
type TransactItems = NonNullable<TransactWriteItemsCommandInput['TransactItems']>;
/** An action of the transaction and its write units by AWS's rules. */
interface PricedAction {
  action: TransactItems[number];
  units: number;
}

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
    const unique = [...new Set(events.map(eventKey))].map(eventItemKey);
    const chunkIdOf = new Map(chunkIds.map((id) => [markerKey(id).pk, id]));
    const responses = await batchGetAttributes(
      this.client,
      {
        [this.tables.ledgerTable]: { Keys: chunkIds.map((id) => stringAttributes(markerKey(id))), ProjectionExpression: 'pk' },
        ...(unique.length > 0 ? { [this.tables.eventsTable]: { Keys: unique.map(stringAttributes), ProjectionExpression: 'id' } } : {}),
      },
      signal,
    );
    const applied = (responses[this.tables.ledgerTable] ?? []).map((item) => chunkIdOf.get(String(item.pk?.S))!);
    const stored = (responses[this.tables.eventsTable] ?? []).map((item) => String(item.id?.S));
    return { applied, stored };
  }

  async commit(write: ChunkWrite, signal?: AbortSignal): Promise<CommitOutcome> {
    const now = this.clock();
    const expiresAt = this.tables.retentionDays > 0 ? epochSeconds(now) + this.tables.retentionDays * 86400 : undefined;
    const storedAt = now.toISOString();
    const lanes = lanesFor(write.chunkId, write.inserts);
    const eventItems = write.inserts.map((event, i) => toEventItem(event, { chunkId: write.chunkId, storedAt, expiresAt, ...lanes[i]! }));
    const actions: PricedAction[] = [
      this.markerPut(markerKey(write.chunkId), now, write.outcomes),
      ...eventItems.map((item) => ({
        action: {
          Put: { TableName: this.tables.eventsTable, Item: eventItemAttributes(item), ConditionExpression: 'attribute_not_exists(id)' },
        },
        units: transactionalWriteUnits(item) + indexesPerEvent * indexWriteUnits(indexEntryOf(item)),
      })),
      this.counterUpdate(totalsKey(write.shards.totals), write.totals, now),
      ...[...write.counts].map(([topic, counts]) => this.counterUpdate(topicCounterKey(topic, write.shards.counters), counts)),
    ];
    return this.transact(actions, signal, (codes) => {
      const duplicates = eventItems.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed').map((item) => item.id);
      return duplicates.length > 0 ? { kind: 'duplicates', keys: duplicates } : undefined;
    });
  }

  async recordUnreadable(fingerprint: string, shard: number, signal?: AbortSignal): Promise<CommitOutcome> {
    const now = this.clock();
    const rejected: PricedAction = {
      action: {
        Update: {
          TableName: this.tables.ledgerTable,
          Key: stringAttributes(totalsKey(shard)),
          UpdateExpression: 'ADD rejected :one SET last_processed_at = :now',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':now': { S: now.toISOString() } },
        },
      },
      units: smallWriteUnits,
    };
    return this.transact([this.markerPut(unreadableKey(fingerprint), now), rejected], signal, () => undefined);
  }

  /**
   * Adds to `received` and `unique` only (duplicates are the difference, see `countsOfItem`), and
   * only the shard totals carry `last_processed_at`: with many topics a transaction holds one update
   * per event, and the emulator evaluates each expression three times; the shorter one raised its
   * 10,000-topic ceiling from 0.56 to 0.69 of the 8-topic one (docs/BENCHMARKS.md). On AWS both
   * forms cost the same units.
   */
  private counterUpdate(key: Record<string, string>, counts: Counts, processedAt?: Date): PricedAction {
    return {
      action: {
        Update: {
          TableName: this.tables.ledgerTable,
          Key: stringAttributes(key),
          UpdateExpression: `ADD received :r, #u :u${processedAt ? ' SET last_processed_at = :now' : ''}`,
          ExpressionAttributeNames: { '#u': 'unique' },
          ExpressionAttributeValues: {
            ':r': numberAttribute(counts.received),
            ':u': numberAttribute(counts.unique),
            ...(processedAt ? { ':now': { S: processedAt.toISOString() } } : {}),
          },
        },
      },
      units: smallWriteUnits,
    };
  }

  /** A marker: proof that its chunk (or unreadable body) was applied, with the chunk's outcome letters. */
  private markerPut(key: { pk: string; sk: string }, now: Date, outcomes?: string): PricedAction {
    const plain = {
      ...key,
      ...(outcomes === undefined ? {} : { outcomes }),
      applied_at: now.toISOString(),
      expires_at: epochSeconds(now) + markerLifetimeSeconds,
    };
    const { expires_at, ...strings } = plain;
    return {
      action: {
        Put: {
          TableName: this.tables.ledgerTable,
          Item: { ...stringAttributes(strings), expires_at: numberAttribute(expires_at) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      units: transactionalWriteUnits(plain),
    };
  }

  /** Runs a transaction whose first action is a marker put, and says what a cancellation means. */
  private async transact(
    actions: PricedAction[],
    signal: AbortSignal | undefined,
    explain: (codes: Array<string | undefined>) => CommitOutcome | undefined,
  ): Promise<CommitOutcome> {
    try {
      const result = await this.client.send(
        new TransactWriteItemsCommand({ TransactItems: actions.map((priced) => priced.action), ReturnConsumedCapacity: 'TOTAL' }),
        { abortSignal: signal },
      );
      const reported = result.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      return { kind: 'committed', cost: { rule: actions.reduce((sum, priced) => sum + priced.units, 0), reported } };
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

/** A counter update stays below 1 KB: a transactional write's 2 units. */
const smallWriteUnits = 2;
