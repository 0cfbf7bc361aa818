import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { itemBytes, standardWriteUnits } from '../../../functions/adapters/write-cost.ts';
import { clientOptions, type StackInfo } from '../stack.ts';
import { round } from './system.ts';

/**
 * What an Idempotency-Key costs in DynamoDB write units per request, from the records the run left
 * in the idempotency table: Powertools writes each record twice, a conditional put while the
 * request runs (the record without its answer) and an update that stores the answer; standard
 * writes cost 1 unit per started KB, an update the larger of the item before and after.
 */
export async function idempotencyWriteUnits(stack: StackInfo) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(stack)));
  let records = 0;
  let units = 0;
  let largest = 0;
  for await (const page of paginateScan({ client }, { TableName: stack.idempotencyTable })) {
    for (const record of page.Items ?? []) {
      const { data: _answer, ...inProgress } = record;
      records++;
      units += standardWriteUnits(inProgress) + standardWriteUnits(record);
      largest = Math.max(largest, itemBytes(record));
    }
  }
  return { records, wru_per_request: records ? round(units / records, 2) : null, largest_record_bytes: largest };
}
