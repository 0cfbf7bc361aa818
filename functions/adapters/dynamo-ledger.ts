import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ChunkWrite, CommitOutcome, Ledger, TopicCounts } from '../domain/consume.ts';
import { eventKey } from '../domain/event.ts';
import { counterAttribute, counterGroupKey, counterPartition, markerKey, rejectedCounterKey, toEventItem, topicGroupOf } from './items.ts';
import { indexWriteUnits, transactionalWriteUnits } from './write-cost.ts';

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

export interface LedgerTables {
  eventsTable: string;
  ledgerTable: string;
  /** Days before DynamoDB TTL may expire a stored event; 0 keeps it forever. */
  retentionDays: number;
  /** How many counter items per shard the topics are spread over (default 1). */
  topicGroups?: number;
}

/** A marker must outlive every possible redelivery: SQS keeps a message at most 14 days. */
const markerLifetimeSeconds = 15 * 24 * 3600;
const retryable = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
const retryableErrors = new Set([
  'TransactionConflictException',
  'TransactionInProgressException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

export class DynamoDbLedger implements Ledger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: LedgerTables;
  private readonly clock: () => Date;

  constructor(client: DynamoDBDocumentClient, tables: LedgerTables, clock: () => Date = () => new Date()) {
    this.client = client;
    this.tables = tables;
    this.clock = clock;
  }

  async peekChunk(markerId: string, keys: Array<{ topic: string; event_id: string }>): Promise<{ applied: boolean; stored: string[] }> {
    const unique = [...new Map(keys.map((k) => [eventKey(k), { topic: k.topic, event_id: k.event_id }])).values()];
    let requests:
      | Record<
          string,
          { Keys: Record<string, unknown>[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }
        >
      | undefined = {
      [this.tables.ledgerTable]: { Keys: [markerKey(markerId)], ProjectionExpression: 'pk' },
      ...(unique.length > 0
        ? { [this.tables.eventsTable]: { Keys: unique, ProjectionExpression: '#t, event_id', ExpressionAttributeNames: { '#t': 'topic' } } }
        : {}),
    };
    let applied = false;
    const stored: string[] = [];
    // BatchGetItem may return part of the keys as unprocessed; ask again for those, a bounded number of times.
    for (let attempt = 0; requests && Object.keys(requests).length > 0 && attempt < 5; attempt++) {
      const result = await this.client.send(new BatchGetCommand({ RequestItems: requests }));
      applied ||= (result.Responses?.[this.tables.ledgerTable] ?? []).length > 0;
      for (const item of result.Responses?.[this.tables.eventsTable] ?? [])
        stored.push(eventKey(item as { topic: string; event_id: string }));
      requests = result.UnprocessedKeys as typeof requests;
    }
    return { applied, stored };
  }

  async commitChunk(write: ChunkWrite): Promise<CommitOutcome> {
    const now = this.clock();
    const expiresAt = this.tables.retentionDays > 0 ? epochSeconds(now) + this.tables.retentionDays * 86400 : undefined;
    const eventItems = write.inserts.map((event) => toEventItem(event, write.deliveryId, now, expiresAt));
    const items: TransactItems = [
      this.markerPut(write.markerId, now),
      ...eventItems.map((item) => ({
        Put: {
          TableName: this.tables.eventsTable,
          Item: item,
          ConditionExpression: 'attribute_not_exists(event_id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      })),
      ...this.counterUpdates(write, now),
    ];
    // The by-time index projects every event item, so each insert also writes the index once.
    const indexUnits = eventItems.reduce((sum, item) => sum + indexWriteUnits(item), 0);
    return this.transact(items, indexUnits, (codes) => {
      const duplicates = write.inserts.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed').map(eventKey);
      return duplicates.length > 0 ? { kind: 'duplicates', keys: duplicates } : undefined;
    });
  }

  async commitRejection(markerId: string, shard: number): Promise<CommitOutcome> {
    const now = this.clock();
    return this.transact(
      [
        this.markerPut(markerId, now),
        {
          Update: {
            TableName: this.tables.ledgerTable,
            Key: { pk: counterPartition(shard), sk: rejectedCounterKey },
            UpdateExpression: 'ADD rejected :one SET last_processed_at = :now',
            ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString() },
          },
        },
      ],
      0,
      () => undefined,
    );
  }

  /** One update per topic group: ADD each of its topics' three counters. */
  private counterUpdates(write: ChunkWrite, now: Date) {
    const groups = new Map<number, Array<[string, TopicCounts]>>();
    for (const [topic, counts] of write.counts) {
      const group = topicGroupOf(topic, this.tables.topicGroups ?? 1);
      const members = groups.get(group) ?? [];
      members.push([topic, counts]);
      groups.set(group, members);
    }
    return [...groups].map(([group, topics]) => {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':now': now.toISOString() };
      const adds: string[] = [];
      topics.forEach(([topic, counts], i) => {
        for (const [kind, value] of [
          ['received', counts.received],
          ['unique', counts.unique],
          ['duplicates', counts.duplicates],
        ] as const) {
          names[`#${kind[0]}${i}`] = counterAttribute(kind, topic);
          values[`:${kind[0]}${i}`] = value;
          adds.push(`#${kind[0]}${i} :${kind[0]}${i}`);
        }
      });
      return {
        Update: {
          TableName: this.tables.ledgerTable,
          Key: { pk: counterPartition(write.shard), sk: counterGroupKey(group) },
          UpdateExpression: `ADD ${adds.join(', ')} SET last_processed_at = :now`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    });
  }

  private markerPut(markerId: string, now: Date) {
    return {
      Put: {
        TableName: this.tables.ledgerTable,
        Item: { ...markerKey(markerId), applied_at: now.toISOString(), expires_at: epochSeconds(now) + markerLifetimeSeconds },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Runs a transaction whose first action is the marker, and says what a cancellation means. */
  private async transact(
    items: TransactItems,
    indexUnits: number,
    explainConflicts: (codes: Array<string | undefined>) => CommitOutcome | undefined,
  ): Promise<CommitOutcome> {
    try {
      const result = await this.client.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }));
      const reported = result.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      return { kind: 'committed', cost: { rule: ruleCost(items) + indexUnits, reported } };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
        if (codes[0] === 'ConditionalCheckFailed') return { kind: 'already-applied' };
        const explained = explainConflicts(codes);
        if (explained) return explained;
        if (codes.some((code) => code !== undefined && retryable.has(code))) return { kind: 'contended' };
        throw new Error(`transaction cancelled: ${codes.join(', ')}`, { cause: error });
      }
      if (error instanceof Error && retryableErrors.has(error.name)) return { kind: 'contended' };
      throw error;
    }
  }
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Puts are sized from their item; counter updates and markers stay far below 1 KB. */
const ruleCost = (items: TransactItems) => items.reduce((sum, item) => sum + (item.Put ? transactionalWriteUnits(item.Put.Item!) : 2), 0);
