import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { addCounts, type Counts, noCounts } from '../domain/counts.ts';
import type { CounterStore, TopicPosition, Totals } from '../domain/stats.ts';
import { batchGetAll } from './batch-get.ts';
import {
  afterTopicCounters,
  counterPartitionOf,
  counterPartitions,
  countsOfItem,
  topicCounterPrefix,
  topicOfCounterKey,
  totalsKey,
} from './items.ts';

/** Most partitions read at once while filling a topic page. */
const maxWave = 8;

/** Reads the sharded counters: totals by BatchGetItem, topics by Query. Never a Scan. */
export class DynamoDbCounterStore implements CounterStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly ledgerTable: string;
  private readonly counterShards: number;

  constructor(client: DynamoDBDocumentClient, tables: { ledgerTable: string; counterShards: number }) {
    this.client = client;
    this.ledgerTable = tables.ledgerTable;
    this.counterShards = tables.counterShards;
  }

  async readTotals(signal?: AbortSignal): Promise<Totals> {
    const keys = Array.from({ length: this.counterShards }, (_, shard) => totalsKey(shard));
    const responses = await batchGetAll(this.client, { [this.ledgerTable]: { Keys: keys, ConsistentRead: true } }, signal);
    const totals: Totals = { counts: noCounts(), rejected: 0 };
    for (const item of responses[this.ledgerTable] ?? []) {
      addCounts(totals.counts, countsOfItem(item));
      totals.rejected += Number(item.rejected ?? 0);
      const at = typeof item.last_processed_at === 'string' ? item.last_processed_at : undefined;
      if (at && (totals.lastProcessedAt === undefined || at > totals.lastProcessedAt)) totals.lastProcessedAt = at;
    }
    return totals;
  }

  async readTopic(topic: string, signal?: AbortSignal): Promise<Counts | undefined> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.ledgerTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': counterPartitionOf(topic), ':prefix': topicCounterPrefix(topic) },
        ConsistentRead: true,
      }),
      { abortSignal: signal },
    );
    const items = page.Items ?? [];
    return items.length === 0 ? undefined : items.reduce((total: Counts, item) => addCounts(total, countsOfItem(item)), noCounts());
  }

  async readTopicPage(
    limit: number,
    after: TopicPosition | undefined,
    signal?: AbortSignal,
  ): Promise<{ topics: Array<[string, Counts]>; next?: TopicPosition }> {
    const topics: Array<[string, Counts, number]> = [];
    // Partitions are read one, then two, four, eight at a time: a dense first partition fills the
    // page alone, and a sparse table is walked in a few rounds instead of 64.
    let wave = 1;
    for (
      let first = after?.partition ?? 0;
      first < counterPartitions && topics.length <= limit;
      first += wave, wave = Math.min(wave * 2, maxWave)
    ) {
      const partitions = Array.from({ length: Math.min(wave, counterPartitions - first) }, (_, i) => first + i);
      const pages = await Promise.all(
        partitions.map((partition) =>
          this.readPartition(partition, partition === after?.partition ? after.topic : undefined, limit + 1 - topics.length, signal),
        ),
      );
      pages.forEach((page, i) => {
        for (const [topic, counts] of page) topics.push([topic, counts, partitions[i]!]);
      });
    }
    if (topics.length <= limit) return { topics: topics.map(([topic, counts]) => [topic, counts]) };
    const last = topics[limit - 1]!;
    return { topics: topics.slice(0, limit).map(([topic, counts]) => [topic, counts]), next: { partition: last[2], topic: last[0] } };
  }

  /** Up to `wanted` whole topics of one partition, in name order, after `afterTopic`. */
  private async readPartition(
    partition: number,
    afterTopic: string | undefined,
    wanted: number,
    signal?: AbortSignal,
  ): Promise<Array<[string, Counts]>> {
    const topics: Array<[string, Counts]> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.ledgerTable,
          KeyConditionExpression: afterTopic === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: {
            ':pk': `topics#${partition}`,
            ...(afterTopic === undefined ? {} : { ':after': afterTopicCounters(afterTopic) }),
          },
          ConsistentRead: true,
          // Each topic has at most one item per shard.
          Limit: (wanted + 1) * this.counterShards,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: signal },
      );
      for (const item of page.Items ?? []) {
        const topic = topicOfCounterKey(String(item.sk));
        const last = topics.at(-1);
        if (last?.[0] === topic) addCounts(last[1], countsOfItem(item));
        else topics.push([topic, countsOfItem(item)]);
      }
      startKey = page.LastEvaluatedKey;
      // The last topic is whole once a later one has begun.
    } while (startKey && topics.length <= wanted);
    return topics.slice(0, wanted + (startKey ? 0 : 1));
  }

  async tableCreatedAt(signal?: AbortSignal): Promise<Date | undefined> {
    const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.ledgerTable }), { abortSignal: signal });
    return Table?.CreationDateTime;
  }
}
