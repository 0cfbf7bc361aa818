import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { addCounts, type Counts, noCounts } from '../domain/counts.ts';
import type { CounterStore, TopicPosition, Totals } from '../domain/stats.ts';
import {
  afterTopicKey,
  counterPartitionKey,
  counterPartitionOf,
  counterPartitions,
  countsOfItem,
  topicCounterRange,
  topicOfCounterItem,
  topicShardKeys,
  totalsPartitionKey,
  totalsPartitions,
} from './items.ts';

/** Most partitions read at once while filling a topic page. */
const maxWave = 8;

/** DynamoDB orders sort keys by their UTF-8 bytes, which is not JavaScript's string order. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Reads the sharded counters by Query (functions/adapters/items.ts has the layout). Never a Scan. */
export class DynamoDbCounterStore implements CounterStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly ledgerTable: string;

  constructor(client: DynamoDBDocumentClient, tables: { ledgerTable: string }) {
    this.client = client;
    this.ledgerTable = tables.ledgerTable;
  }

  async readTotals(signal?: AbortSignal): Promise<Totals> {
    const partitions = Array.from({ length: totalsPartitions }, (_, partition) => totalsPartitionKey(partition));
    const items = (await Promise.all(partitions.map((pk) => this.queryAll(pk, undefined, signal)))).flat();
    const totals: Totals = { counts: noCounts(), rejected: 0 };
    for (const item of items) {
      addCounts(totals.counts, countsOfItem(item));
      totals.rejected += Number(item.rejected ?? 0);
      const at = typeof item.last_processed_at === 'string' ? item.last_processed_at : undefined;
      if (at && (totals.lastProcessedAt === undefined || at > totals.lastProcessedAt)) totals.lastProcessedAt = at;
    }
    return totals;
  }

  async readTopic(topic: string, signal?: AbortSignal): Promise<Counts | undefined> {
    const partition = counterPartitionOf(topic);
    const range = topicCounterRange(topic);
    const keys = Array.from({ length: topicShardKeys }, (_, key) => counterPartitionKey(partition, key));
    // Only this topic's own items: the range holds nothing else for a valid name, and a name is never trusted to be one.
    const items = (await Promise.all(keys.map((pk) => this.queryAll(pk, range, signal))))
      .flat()
      .filter((item) => topicOfCounterItem(String(item.sk)) === topic);
    return items.length === 0 ? undefined : items.reduce((total: Counts, item) => addCounts(total, countsOfItem(item)), noCounts());
  }

  /** Every item of one partition key, or of a range of its sort keys. */
  private async queryAll(pk: string, range: { from: string; to: string } | undefined, signal?: AbortSignal) {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.ledgerTable,
          KeyConditionExpression: range ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(range ? { ':from': range.from, ':to': range.to } : {}) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: signal },
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
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
    const shards = await Promise.all(this.shardKeys().map((key) => this.readShard(partition, key, afterTopic, wanted, signal)));
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

  /**
   * At least `wanted` whole topics of one shard key (or all it has), in name order, their shards'
   * counts summed, and whether it holds more. A topic's items are contiguous: once a later topic
   * is seen, the earlier ones are whole.
   */
  private async readShard(
    partition: number,
    shardKey: number,
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
            ':pk': counterPartitionKey(partition, shardKey),
            ...(afterTopic === undefined ? {} : { ':after': afterTopicKey(afterTopic) }),
          },
          ConsistentRead: true,
          // A page of a few items per topic wanted: enough for cold topics, while a hot topic's
          // hundreds of shard items take a few pages rather than one page of thousands of topics.
          Limit: Math.max(100, 4 * (wanted + 1)),
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: signal },
      );
      for (const item of page.Items ?? []) {
        const topic = topicOfCounterItem(String(item.sk));
        const last = items.at(-1);
        if (last?.topic === topic) addCounts(last.counts, countsOfItem(item));
        else items.push({ topic, counts: countsOfItem(item) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length <= wanted);
    // The last topic read may go on past this page: it is whole only if the key has no more.
    if (startKey === undefined) return { items, more: false };
    return { items: items.slice(0, -1), more: true };
  }

  private shardKeys(): number[] {
    return Array.from({ length: topicShardKeys }, (_, key) => key);
  }

  async tableCreatedAt(signal?: AbortSignal): Promise<Date | undefined> {
    const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.ledgerTable }), { abortSignal: signal });
    return Table?.CreationDateTime;
  }
}
