import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OutcomeReader } from '../domain/outcomes.ts';
import { batchGetKeys } from './batch-get.ts';
import { markerKey } from './items.ts';

/** Reads chunk markers for POST /publish?wait=, strongly consistent, so an applied chunk is seen at once. */
export class DynamoDbOutcomeReader implements OutcomeReader {
  private readonly client: DynamoDBDocumentClient;
  private readonly ledgerTable: string;

  constructor(client: DynamoDBDocumentClient, ledgerTable: string) {
    this.client = client;
    this.ledgerTable = ledgerTable;
  }

  async outcomesOf(chunkIds: string[], signal?: AbortSignal): Promise<Map<string, string>> {
    const idOf = new Map(chunkIds.map((id) => [markerKey(id).pk, id]));
    const items = await batchGetKeys(
      this.client,
      this.ledgerTable,
      { Keys: chunkIds.map(markerKey), ProjectionExpression: 'pk, outcomes', ConsistentRead: true },
      signal,
    );
    return new Map(items.map((item) => [idOf.get(String(item.pk))!, String(item.outcomes ?? '')]));
  }
}
