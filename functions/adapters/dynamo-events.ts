import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../domain/event.ts';
import type { EventStore, KeyRange } from '../domain/events-page.ts';
import type { Lane, LaneRead, Order } from '../domain/timeline.ts';
import { batchGetKeys } from './batch-get.ts';
import { byTimeIndex, byTopicIndex, fromEventItem, timeLanes, topicLaneKey, topicLanes } from './items.ts';

/** Reads /events pages: index lanes through Query, bodies through BatchGetItem. Never a Scan. */
export class DynamoDbEventStore implements EventStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly eventsTable: string;

  constructor(client: DynamoDBDocumentClient, eventsTable: string) {
    this.client = client;
    this.eventsTable = eventsTable;
  }

  lanes(topic: string | undefined, range: KeyRange, order: Order, source: string | undefined, signal?: AbortSignal): Lane[] {
    const keys =
      topic === undefined
        ? Array.from({ length: timeLanes }, (_, lane) => ({ index: byTimeIndex, name: 'time_lane', value: lane as string | number }))
        : Array.from({ length: topicLanes }, (_, lane) => ({ index: byTopicIndex, name: 'topic_lane', value: topicLaneKey(topic, lane) }));
    return keys.map((key) => {
      let startKey: Record<string, unknown> | undefined;
      return {
        read: async (max: number): Promise<LaneRead> => {
          const filter =
            source === undefined
              ? undefined
              : { expression: '#source = :source', name: { '#source': 'source' }, value: { ':source': source } };
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.eventsTable,
              IndexName: key.index,
              KeyConditionExpression: '#lane = :lane AND ts_key BETWEEN :lower AND :upper',
              FilterExpression: filter?.expression,
              ProjectionExpression: 'id, ts_key, #bytes',
              ExpressionAttributeNames: { '#lane': key.name, '#bytes': 'bytes', ...filter?.name },
              ExpressionAttributeValues: { ':lane': key.value, ':lower': range.lower, ':upper': range.upper, ...filter?.value },
              ScanIndexForward: order === 'asc',
              Limit: max,
              ExclusiveStartKey: startKey,
            }),
            { abortSignal: signal },
          );
          startKey = page.LastEvaluatedKey;
          return {
            entries: (page.Items ?? []).map((item) => ({ key: String(item.ts_key), id: String(item.id), bytes: Number(item.bytes ?? 0) })),
            scanned: page.ScannedCount ?? page.Count ?? 0,
            frontier: startKey === undefined ? undefined : String(startKey.ts_key),
          };
        },
      };
    });
  }

  async readEvents(ids: string[], signal?: AbortSignal): Promise<Map<string, StoredEvent>> {
    const items = await batchGetKeys(this.client, this.eventsTable, { Keys: ids.map((id) => ({ id })) }, signal);
    return new Map(items.map((item) => [String(item.id), fromEventItem(item)]));
  }
}
