import { hash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Counts } from '../domain/counts.ts';
import type { EventIdentity, LogEvent, StoredEvent } from '../domain/event.ts';
import { bucketOf, hashOf } from '../domain/hash.ts';
import { eventKey } from '../domain/identity.ts';
import { parseJson } from '../domain/json.ts';
import { sortableOf } from '../domain/timestamp.ts';

/**
 * Item layout, in one place for writers and readers. docs/CAPACITY.md has the arithmetic.
 *
 * Events table, key `id` = JSON [topic, event_id]: every event is its own partition, so the dedup
 * gate (a conditional put on the identity) spreads evenly however hot a topic is. Two indexes,
 * both holding only keys, `source` and `bytes` (a page's bodies come from BatchGetItem):
 *   by-topic  (topic_lane = "<topic>#<lane>", ts_key)  one topic in time order, over `topicLanes` keys
 *   by-time   (time_lane = <lane>, ts_key)             every topic in time order, over `timeLanes` keys
 * ts_key = "<sortable timestamp>#<hash of the identity>": time order to the nanosecond, unique, 53
 * characters whatever the names (the timestamp with its fraction padded to nine digits).
 *
 * Ledger table (pk, sk):
 *   chunk#<chunk id> / marker           one per applied chunk: proof that a redelivery is one;
 *                                       `outcomes` has a letter per event (s stored, d duplicate)
 *   unreadable#<fingerprint> / marker   one per unreadable message body, counted once in `rejected`
 *   totals#<shard mod 16> / <shard>     received, unique, rejected, last_processed_at of one shard
 *                                       (the earlier layout's totals#<shard> / totals is read too)
 *   topics#<partition>#<shard mod 8> / <topic>␁<shard>   one topic's received and unique on one shard
 * (duplicates = received - unique; ␁ is U+0001, which no name holds, so a topic's items sort together)
 *
 * A chunk's transaction writes its marker, one totals item, one counter item per topic in it and
 * one event per new event: its cost never depends on how many topics exist. Each chunk picks one of
 * many totals shards (TOTALS_SHARDS) and one of many counter shards (COUNTER_SHARDS), so that two
 * transactions in flight at once rarely update the same item: DynamoDB cancels a transaction that
 * touches an item another one in progress holds (docs/CAPACITY.md models it). Only the shards a topic was ever
 * written on exist as items. Reads stay bounded: the totals are 16 partition keys, one topic is 8,
 * and a page of topics reads each partition's 8 keys in name order.
 */
export const byTopicIndex = 'by-topic';
export const byTimeIndex = 'by-time';
/** One topic's events are spread over this many index keys (20,000 events/s on a topic is 625 writes/s per key). */
export const topicLanes = 32;
/** All events are spread over this many keys of the by-time index. */
export const timeLanes = 32;
/** Topics are spread over this many counter partitions, each with one partition key per shard. */
export const counterPartitions = 64;

/** The events table's key of an event, from its event key (identity.ts). */
export const eventItemKey = (key: string) => ({ id: key });
export const markerKey = (chunkId: string) => ({ pk: `chunk#${chunkId}`, sk: 'marker' });
export const unreadableKey = (fingerprint: string) => ({ pk: `unreadable#${fingerprint}`, sk: 'marker' });
/** The partition keys the totals' shards are spread over. */
export const totalsPartitions = 16;
/** The partition keys each counter partition's shards are spread over. */
export const topicShardKeys = 8;
/** Sorts after every counter item of a topic and before any other topic's: no name holds a control character. */
const afterTopicMark = '\u0002';
const shardMark = '\u0001';
export const totalsPartitionKey = (partition: number) => `totals#${partition}`;
export const totalsKey = (shard: number) => ({ pk: totalsPartitionKey(shard % totalsPartitions), sk: String(shard) });
export const counterPartitionOf = (topic: string) => bucketOf(topic, counterPartitions);
export const counterPartitionKey = (partition: number, shardKey: number) => `topics#${partition}#${shardKey}`;
export const topicCounterKey = (topic: string, shard: number) => ({
  pk: counterPartitionKey(counterPartitionOf(topic), shard % topicShardKeys),
  sk: `${topic}${shardMark}${shard}`,
});
/**
 * The counter items of one topic on one shard key lie in this range of sort keys, from the
 * topic's name itself: the earlier layout's item (one per shard key, the sort key the bare name)
 * is read and summed too, so a table written by an earlier release with its default of 8 shards
 * (or fewer) needs no migration; one written with more would be under-read and needs new tables.
 */
export const topicCounterRange = (topic: string) => ({ from: topic, to: `${topic}${afterTopicMark}` });
/** A sort key past every counter item of `topic`. */
export const afterTopicKey = (topic: string) => `${topic}${afterTopicMark}`;
export const topicOfCounterItem = (sk: string) => (sk.includes(shardMark) ? sk.slice(0, sk.lastIndexOf(shardMark)) : sk);
export const topicLaneKey = (topic: string, lane: number) => `${topic}#${lane}`;

/** Every received event is either unique or a duplicate, so counter items store only `received` and `unique`. */
export function countsOfItem(item: Record<string, unknown>): Counts {
  const received = Number(item.received ?? 0);
  const unique = Number(item.unique ?? 0);
  return { received, unique, duplicates: received - unique };
}

/** Sorts by time to the nanosecond; 132 bits of the identity's SHA-256 make it unique and keep it short whatever the names. */
export const timeKey = (event: EventIdentity & Pick<LogEvent, 'timestamp'>): string => timeKeyOf(event.timestamp, eventKey(event));

const timeKeyOf = (timestamp: string, key: string) => `${sortableOf(timestamp)}#${hash('sha256', key, 'base64url').slice(0, 22)}`;

export interface EventItem {
  id: string;
  topic: string;
  event_id: string;
  timestamp: string;
  source: string;
  /** Stored as the JSON text so that it round-trips exactly (DynamoDB numbers and nesting do not). */
  payload: string;
  ts_key: string;
  topic_lane: string;
  time_lane: number;
  /** The length of this event as it travels in /events' Lambda answer, so a page can stop under its byte cap before reading bodies. */
  bytes: number;
  /** The chunk that stored it. */
  chunk_id: string;
  stored_at: string;
  expires_at?: number;
}

/** Each attribute of an event item and its DynamoDB type: every field must be here, with the type its TypeScript type says. */
const eventItemTypes: { [Name in keyof EventItem]-?: NonNullable<EventItem[Name]> extends string ? 'S' : 'N' } = {
  id: 'S',
  topic: 'S',
  event_id: 'S',
  timestamp: 'S',
  source: 'S',
  payload: 'S',
  ts_key: 'S',
  topic_lane: 'S',
  time_lane: 'N',
  bytes: 'N',
  chunk_id: 'S',
  stored_at: 'S',
  expires_at: 'N',
};

const eventItemTypeEntries = Object.entries(eventItemTypes) as Array<[keyof EventItem, 'S' | 'N']>;

export type Attributes = Record<string, AttributeValue>;

/**
 * An event item in DynamoDB's own attribute format. The consumer's transaction is sent in it
 * directly: the document client's marshalling, which inspects every value's type, was most of
 * the CPU a transaction cost (docs/BENCHMARKS.md).
 */
export function eventItemAttributes(item: EventItem): Attributes {
  const attributes: Attributes = {};
  for (const [name, type] of eventItemTypeEntries) {
    const value = item[name];
    if (value === undefined) continue;
    attributes[name] = type === 'S' ? { S: String(value) } : numberAttribute(value as number);
  }
  return attributes;
}

/**
 * A whole number as DynamoDB's N. The document client refused a number it could not send exactly;
 * so does this: NaN, an infinity or an integer past 2^53 would otherwise travel as a text DynamoDB
 * refuses or reads differently.
 */
export function numberAttribute(value: number): AttributeValue {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number DynamoDB can be sent exactly`);
  return { N: String(value) };
}

/** A key (or any item of strings only) in DynamoDB's attribute format. */
export function stringAttributes(item: Record<string, string>): Attributes {
  const attributes: Attributes = {};
  for (const name of Object.keys(item)) attributes[name] = { S: item[name]! };
  return attributes;
}

export interface Placement {
  chunkId: string;
  storedAt: string;
  topicLane: number;
  timeLane: number;
  expiresAt?: number;
}

export function toEventItem(event: LogEvent, placement: Placement): EventItem {
  const payload = JSON.stringify(event.payload);
  // The StoredEvent as /events writes it, assembled around the payload's text so that it is serialised once.
  const head = JSON.stringify({ topic: event.topic, event_id: event.event_id, timestamp: event.timestamp, source: event.source });
  const bytes = travellingBytes(`${head.slice(0, -1)},"payload":${payload},"stored_at":${JSON.stringify(placement.storedAt)}}`);
  const id = eventKey(event);
  return {
    id,
    topic: event.topic,
    event_id: event.event_id,
    timestamp: event.timestamp,
    source: event.source,
    payload,
    ts_key: timeKeyOf(event.timestamp, id),
    topic_lane: topicLaneKey(event.topic, placement.topicLane),
    time_lane: placement.timeLane,
    bytes,
    chunk_id: placement.chunkId,
    stored_at: placement.storedAt,
    expires_at: placement.expiresAt,
  };
}

/**
 * Lanes for a chunk's new events: each topic's events take consecutive lanes from a start derived
 * from the marker, so a hot topic's events land on every lane evenly (not just on average).
 */
export function lanesFor(chunkId: string, inserts: LogEvent[]): Array<{ topicLane: number; timeLane: number }> {
  // Each topic's start and the lanes it has taken so far.
  const perTopic = new Map<string, { start: number; taken: number }>();
  const timeStart = hashOf(`time:${chunkId}`);
  return inserts.map((event, position) => {
    let topic = perTopic.get(event.topic);
    if (topic === undefined) {
      topic = { start: hashOf(`${chunkId}:${event.topic}`), taken: 0 };
      perTopic.set(event.topic, topic);
    }
    return { topicLane: (topic.start + topic.taken++) % topicLanes, timeLane: (timeStart + position) % timeLanes };
  });
}

/**
 * An event's size in a Lambda answer: its JSON, written again as a JSON string (the answer's body),
 * so every quote and backslash counts twice. A page of names full of quotes is four times its text.
 */
export const travellingBytes = (json: string): number => Buffer.byteLength(JSON.stringify(json), 'utf8') - 2;

export function fromEventItem(item: Record<string, unknown>): StoredEvent {
  return {
    topic: String(item.topic),
    event_id: String(item.event_id),
    timestamp: String(item.timestamp),
    source: String(item.source),
    payload: parseJson(String(item.payload)) as Record<string, unknown>,
    stored_at: String(item.stored_at),
  };
}
