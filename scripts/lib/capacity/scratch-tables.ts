import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { TableSchema } from './key-recorder.ts';

/**
 * Empty copies of the deployed tables (same keys and indexes), so that a model run neither reads
 * nor disturbs the stack's data. Dropped by `drop`.
 */
export async function copyTables(
  client: DynamoDBClient,
  tables: string[],
  suffix: string,
): Promise<{ schemas: TableSchema[]; drop: () => Promise<void> }> {
  const created: string[] = [];
  const drop = async () => {
    await Promise.all(created.map((name) => client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)));
  };
  try {
    const schemas: TableSchema[] = [];
    for (const table of tables) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
      const name = `${table}-${suffix}`;
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: Table!.AttributeDefinitions,
          KeySchema: Table!.KeySchema,
          GlobalSecondaryIndexes: Table!.GlobalSecondaryIndexes?.map((index) => ({
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: index.Projection,
          })),
        }),
      );
      created.push(name);
      await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
      schemas.push(schemaOf(name, Table!));
    }
    return { schemas, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}

function schemaOf(name: string, table: TableDescription): TableSchema {
  const keyOf = (keys: TableDescription['KeySchema'], type: 'HASH' | 'RANGE') => keys?.find((key) => key.KeyType === type)?.AttributeName;
  return {
    name,
    hashKey: keyOf(table.KeySchema, 'HASH')!,
    rangeKey: keyOf(table.KeySchema, 'RANGE'),
    indexes: (table.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName!,
      hashKey: keyOf(index.KeySchema, 'HASH')!,
      rangeKey: keyOf(index.KeySchema, 'RANGE'),
      projection: (index.Projection?.ProjectionType ?? 'ALL') as 'ALL' | 'KEYS_ONLY' | 'INCLUDE',
      nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [],
    })),
  };
}
