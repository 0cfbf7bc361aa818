import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { addCounts, type Counts, noCounts } from '../domain/counts.ts';
import type { CounterStore, TopicPosition, Totals } from '../domain/stats.ts';
import { batchGetAll } from './batch-get.ts';
import { counterPartitionKey, counterPartitions, countsOfItem, topicCounterKey, totalsKey } from './items.ts';

/** Most partitions read at once while filling a topic page. */
const maxWave = 8;

/** DynamoDB orders sort keys by their UTF-8 bytes, which is not JavaScript's string order. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

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
    const keys = this.shards().map(totalsKey);
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
    const keys = this.shards().map((shard) => topicCounterKey(topic, shard));
    const items =
      (await batchGetAll(this.client, { [this.ledgerTable]: { Keys: keys, ConsistentRead: true } }, signal))[this.ledgerTable] ?? [];
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

  /**
   * Up to `wanted` whole topics of one partition, in name order, after `afterTopic`: its shards'
   * keys are read side by side and merged. A topic is whole once every shard that stopped early
   * has read past it.
   */
  private async readPartition(
    partition: number,
    afterTopic: string | undefined,
    wanted: number,
    signal?: AbortSignal,
  ): Promise<Array<[string, Counts]>> {
    const shards = await Promise.all(this.shards().map((shard) => this.readShard(partition, shard, afterTopic, wanted, signal)));
    const frontier = shards
      .filter((shard) => shard.more)
      .map((shard) => shard.items.at(-1)!.topic)
      .sort(byteOrder)[0];
    const topics = new Map<string, Counts>();
    for (const { topic, counts } of shards.flatMap((shard) => shard.items)) {
      if (frontier !== undefined && byteOrder(topic, frontier) > 0) continue;
      topics.set(topic, addCounts(topics.get(topic) ?? noCounts(), counts));
    }
    return [...topics].sort(([a], [b]) => byteOrder(a, b)).slice(0, wanted);
  }

  /** At least `wanted` topics of one shard's key (or all it has), in name order, and whether it holds more. */
  private async readShard(
    partition: number,
    shard: number,
    afterTopic: string | undefined,
    wanted: number,
    signal?: AbortSignal,
  ): Promise<{ items: Array<{ topic: string; counts: Counts }>; more: boolean }> {
    const items: Array<{ topic: string; counts: Counts }> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.ledgerTable,
          KeyConditionExpression: afterTopic === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: {
            ':pk': counterPartitionKey(partition, shard),
            ...(afterTopic === undefined ? {} : { ':after': afterTopic }),
          },
          ConsistentRead: true,
          Limit: wanted - items.length,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: signal },
      );
      for (const item of page.Items ?? []) items.push({ topic: String(item.sk), counts: countsOfItem(item) });
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < wanted);
    return { items, more: startKey !== undefined };
  }

  private shards(): number[] {
    return Array.from({ length: this.counterShards }, (_, shard) => shard);
  }

  async tableCreatedAt(signal?: AbortSignal): Promise<Date | undefined> {
    const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.ledgerTable }), { abortSignal: signal });
    return Table?.CreationDateTime;
  }
}
