import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EventReader, TimelineEntry, TimelineRange } from '../domain/events-page.ts';
import type { CounterReader, CounterRow } from '../domain/stats.ts';
import { byTimeIndex, counterPartition, countersOfItem, fromEventItem, rejectedCounterKey } from './items.ts';

export class DynamoDbReads implements EventReader, CounterReader {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: { eventsTable: string; ledgerTable: string; counterShards: number };

  constructor(client: DynamoDBDocumentClient, tables: { eventsTable: string; ledgerTable: string; counterShards: number }) {
    this.client = client;
    this.tables = tables;
  }

  /** Every counter item, one Query per shard partition: no Scan. */
  async readCounters(): Promise<CounterRow[]> {
    const shards = Array.from({ length: this.tables.counterShards }, (_, shard) => shard);
    const pages = await Promise.all(
      shards.map((shard) =>
        this.queryAll({
          TableName: this.tables.ledgerTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': counterPartition(shard) },
          ConsistentRead: true,
        }),
      ),
    );
    return pages.flat().flatMap((item): CounterRow[] => {
      const lastProcessedAt = typeof item.last_processed_at === 'string' ? item.last_processed_at : undefined;
      if (item.sk === rejectedCounterKey) {
        return [{ rejected: Number(item.rejected ?? 0), received: 0, uniqueProcessed: 0, duplicateDropped: 0, lastProcessedAt }];
      }
      return [...countersOfItem(item)].map(([topic, counts]) => ({
        topic,
        rejected: 0,
        received: counts.received,
        uniqueProcessed: counts.unique,
        duplicateDropped: counts.duplicates,
        lastProcessedAt,
      }));
    });
  }

  async topics(): Promise<string[]> {
    const rows = await this.readCounters();
    return [...new Set(rows.flatMap((row) => (row.topic === undefined ? [] : [row.topic])))];
  }

  /** Up to `limit` events of one topic in time order, paging past DynamoDB's 1 MB pages so the limit is exact. */
  async timeline(topic: string, range: TimelineRange, limit: number): Promise<TimelineEntry[]> {
    const values: Record<string, unknown> = { ':topic': topic };
    let condition = '#topic = :topic';
    if (range.bound) {
      const op = range.order === 'asc' ? '>' : range.bound.inclusive ? '<=' : '<';
      condition += ` AND ts_key ${op} :bound`;
      values[':bound'] = range.bound.key;
    }
    const entries: TimelineEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tables.eventsTable,
          IndexName: byTimeIndex,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: { '#topic': 'topic' },
          ExpressionAttributeValues: values,
          ScanIndexForward: range.order === 'asc',
          Limit: limit - entries.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) entries.push({ timeKey: String(item.ts_key), event: fromEventItem(item) });
      startKey = page.LastEvaluatedKey;
    } while (startKey && entries.length < limit);
    return entries;
  }

  async tableCreatedAt(table: string): Promise<Date | undefined> {
    const { Table } = await this.client.send(new DescribeTableCommand({ TableName: table }));
    return Table?.CreationDateTime;
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
