import { hash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RequestRecord, RequestRecordStore } from '../domain/request-record.ts';

/**
 * Request records in the idempotency table: one item per scoped key, `id` a hash of it (the key a
 * client chose is not stored), the record as JSON, a version for conditional writes, and
 * `expires_at` for DynamoDB TTL. A record past its time counts as absent even before TTL removes it.
 */
export class DynamoDbRequestRecords implements RequestRecordStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly lifetimeSeconds: number;
  private readonly clock: () => number;

  constructor(client: DynamoDBDocumentClient, table: string, lifetimeSeconds: number, clock: () => number = Date.now) {
    this.client = client;
    this.table = table;
    this.lifetimeSeconds = lifetimeSeconds;
    this.clock = clock;
  }

  async read(key: string, signal?: AbortSignal): Promise<RequestRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { id: idOf(key) }, ConsistentRead: true }), {
      abortSignal: signal,
    });
    if (!Item || Number(Item.expires_at) <= this.nowSeconds()) return undefined;
    return JSON.parse(String(Item.record)) as RequestRecord;
  }

  async create(key: string, record: RequestRecord, signal?: AbortSignal): Promise<boolean> {
    const now = this.nowSeconds();
    return this.conditionally(
      new PutCommand({
        TableName: this.table,
        Item: { id: idOf(key), record: JSON.stringify(record), version: record.version, expires_at: now + this.lifetimeSeconds },
        ConditionExpression: 'attribute_not_exists(#id) OR #expires <= :now',
        ExpressionAttributeNames: { '#id': 'id', '#expires': 'expires_at' },
        ExpressionAttributeValues: { ':now': now },
      }),
      signal,
    );
  }

  /** Also moves the record's expiry: a request is forgotten a lifetime after its last attempt, not its first. */
  async replace(key: string, record: RequestRecord, expectedVersion: number, signal?: AbortSignal): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { id: idOf(key) },
        UpdateExpression: 'SET #record = :record, #version = :version, #expires = :expires',
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#record': 'record', '#version': 'version', '#expires': 'expires_at' },
        ExpressionAttributeValues: {
          ':record': JSON.stringify(record),
          ':version': record.version,
          ':expected': expectedVersion,
          ':expires': this.nowSeconds() + this.lifetimeSeconds,
        },
      }),
      signal,
    );
  }

  private async conditionally(command: PutCommand | UpdateCommand, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.client.send(command as PutCommand, { abortSignal: signal });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }
}

const idOf = (key: string) => hash('sha256', key, 'base64url');
