import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemBytes } from '../../../functions/adapters/write-cost.ts';
import { documentView } from '../document-commands.ts';
import { type KeyAccess, type PartitionModel, readUnits, writeUnits } from './partition-model.ts';

export interface IndexSchema {
  name: string;
  hashKey: string;
  rangeKey?: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  nonKeyAttributes: string[];
}

export interface TableSchema {
  name: string;
  hashKey: string;
  rangeKey?: string;
  indexes: IndexSchema[];
}

type Item = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: any DynamoDB command's input or output, read by shape
type Input = Record<string, any>;
/** An access before it is placed in a second of the workload. */
export type Access = Omit<KeyAccess, 'second'>;

/**
 * Turns the DynamoDB calls the project's adapters make into per-partition-key accesses, sized by
 * AWS's rules from the items themselves. Remembers every item written, so that a later read is
 * sized by what it reads (AWS bills a read by the whole item, whatever the projection).
 */
export class KeyRecorder {
  private readonly schemas: Map<string, TableSchema>;
  private readonly items = new Map<string, Item>();
  private accesses: Access[] = [];

  constructor(schemas: TableSchema[]) {
    this.schemas = new Map(schemas.map((schema) => [schema.name, schema]));
  }

  /** A client that sends each call, then records what it touched in `model` as happening in `second` of the workload. */
  clientAt(client: DynamoDBDocumentClient, model: Pick<PartitionModel, 'record'>, second: number): DynamoDBDocumentClient {
    const record = (command: { constructor: { name: string }; input: Input }, output: Input) => {
      const { name, input } = documentView(command.constructor.name, command.input);
      for (const access of this.observe(name, input, output)) model.record({ ...access, second });
    };
    const send = async (command: { constructor: { name: string }; input: Input }, options?: unknown) => {
      const output = await (client.send as (c: unknown, o?: unknown) => Promise<Input>)(command, options).catch((error: unknown) => {
        // A cancelled transaction is billed as if it had run.
        if (documentView(command.constructor.name, command.input).name === 'TransactWriteCommand') record(command, {});
        throw error;
      });
      record(command, output);
      return output;
    };
    return new Proxy(client, {
      get: (target, property, receiver) => (property === 'send' ? send : Reflect.get(target, property, receiver)),
    });
  }

  /** The partition keys one call touched, with the units AWS would bill each. */
  observe(command: string, input: Input, output: Input): Access[] {
    this.accesses = [];
    if (command === 'TransactWriteCommand') {
      for (const action of input.TransactItems as Input[]) {
        if (action.Put) this.put(action.Put.TableName, action.Put.Item, true);
        else if (action.Update) this.update(action.Update, true);
        else if (action.ConditionCheck)
          this.write(action.ConditionCheck.TableName, action.ConditionCheck.Key, 2 * this.blocksOf(action.ConditionCheck));
        else if (action.Delete) this.write(action.Delete.TableName, action.Delete.Key, 2 * this.blocksOf(action.Delete));
      }
    } else if (command === 'PutCommand') this.put(input.TableName, input.Item, false);
    else if (command === 'UpdateCommand') this.update(input, false);
    else if (command === 'GetCommand') this.read(input.TableName, input.Key, input.ConsistentRead);
    else if (command === 'BatchGetCommand') {
      for (const [table, request] of Object.entries(input.RequestItems as Record<string, Input>)) {
        for (const key of request.Keys as Item[]) this.read(table, key, request.ConsistentRead);
      }
    } else if (command === 'QueryCommand') this.query(input, output.Items ?? []);
    return this.accesses;
  }

  private put(table: string, item: Item, transactional: boolean): void {
    const schema = this.schemaOf(table);
    this.items.set(this.idOf(schema, item), item);
    this.accesses.push({
      space: table,
      key: this.partitionOf(schema.hashKey, item),
      kind: 'write',
      units: writeUnits(itemBytes(item), transactional),
    });
    for (const index of schema.indexes) {
      if (item[index.hashKey] === undefined) continue;
      const entry = this.indexEntry(schema, index, item);
      this.accesses.push({
        space: `${table}/${index.name}`,
        key: this.partitionOf(index.hashKey, item),
        kind: 'write',
        units: writeUnits(itemBytes(entry), false),
      });
    }
  }

  /** An update is billed by the item's size after it; counter items hold their key, the values set and a timestamp. */
  private update(update: Input, transactional: boolean): void {
    const schema = this.schemaOf(update.TableName);
    const after = {
      ...this.items.get(this.idOf(schema, update.Key)),
      ...update.Key,
      ...Object.fromEntries(Object.entries(update.ExpressionAttributeValues ?? {}).map(([name, value]) => [name.slice(1), value])),
    };
    this.items.set(this.idOf(schema, update.Key), after);
    this.accesses.push({
      space: update.TableName,
      key: this.partitionOf(schema.hashKey, update.Key),
      kind: 'write',
      units: writeUnits(itemBytes(after), transactional),
    });
  }

  private write(table: string, key: Item, units: number): void {
    this.accesses.push({ space: table, key: this.partitionOf(this.schemaOf(table).hashKey, key), kind: 'write', units });
  }

  /** A missing item still costs the smallest read. */
  private read(table: string, key: Item, consistent: boolean | undefined): void {
    const schema = this.schemaOf(table);
    const stored = this.items.get(this.idOf(schema, key));
    this.accesses.push({
      space: table,
      key: this.partitionOf(schema.hashKey, key),
      kind: 'read',
      units: readUnits(stored ? itemBytes(stored) : 0, consistent ? 'strong' : 'eventual'),
    });
  }

  /** A query is billed by the summed size of what it read, on the one partition key its condition names. */
  private query(input: Input, returned: Item[]): void {
    const schema = this.schemaOf(input.TableName);
    const index = schema.indexes.find((candidate) => candidate.name === input.IndexName);
    const hashKey = index?.hashKey ?? schema.hashKey;
    const names: Record<string, string> = input.ExpressionAttributeNames ?? {};
    const [, nameToken, valueToken] = /^\s*(\S+)\s*=\s*(:\w+)/.exec(input.KeyConditionExpression)!;
    if ((names[nameToken!] ?? nameToken) !== hashKey)
      throw new Error(`query condition does not start with ${hashKey}: ${input.KeyConditionExpression}`);
    const value = input.ExpressionAttributeValues[valueToken!];
    const bytes = returned.reduce((sum, item) => {
      const stored = this.items.get(this.idOf(schema, item)) ?? item;
      return sum + itemBytes(index ? this.indexEntry(schema, index, stored) : stored);
    }, 0);
    const space = index ? `${input.TableName}/${index.name}` : input.TableName;
    this.accesses.push({
      space,
      key: `${hashKey}=${value}`,
      kind: 'read',
      units: readUnits(bytes, input.ConsistentRead ? 'strong' : 'eventual'),
    });
  }

  /** What an index holds of an item: the table's and the index's keys, and what it projects. */
  private indexEntry(schema: TableSchema, index: IndexSchema, item: Item): Item {
    if (index.projection === 'ALL') return item;
    const kept = [
      schema.hashKey,
      schema.rangeKey,
      index.hashKey,
      index.rangeKey,
      ...(index.projection === 'INCLUDE' ? index.nonKeyAttributes : []),
    ];
    return Object.fromEntries(
      kept.filter((name): name is string => name !== undefined && item[name] !== undefined).map((name) => [name, item[name]]),
    );
  }

  private blocksOf(action: Input): number {
    const stored = this.items.get(this.idOf(this.schemaOf(action.TableName), action.Key));
    return Math.max(1, Math.ceil((stored ? itemBytes(stored) : 0) / 1024));
  }

  private schemaOf(table: string): TableSchema {
    const schema = this.schemas.get(table);
    if (!schema) throw new Error(`no schema recorded for table ${table}`);
    return schema;
  }

  private idOf(schema: TableSchema, item: Item): string {
    return `${schema.name}\u0000${JSON.stringify([item[schema.hashKey], schema.rangeKey ? item[schema.rangeKey] : null])}`;
  }

  private partitionOf(hashKey: string, item: Item): string {
    return `${hashKey}=${String(item[hashKey])}`;
  }
}
