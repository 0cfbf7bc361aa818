import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { documentView } from '../document-commands.ts';
import { compare, evaluate, type Item, partitionValue, project, update } from './dynamo-expressions.ts';
import { type CallFaults, type Fault, faultError, type Latency } from './faults.ts';

/**
 * An in-memory DynamoDB behind the document client's `send`, for the simulator: the real adapters
 * (functions/adapters/dynamo-*.ts) run on it unchanged. It keeps the rules the adapters rely on and
 * the ones AWS enforces that the emulator may not: conditions and all-or-nothing transactions with
 * their cancellation reasons, a transaction cancelled with TransactionConflict when another one in
 * flight holds one of its items, byte-ordered sort keys, paged queries over indexes (Limit counts
 * what was examined, the filter applies after), and the limits (400 KB items, 2,048 / 1,024-byte
 * keys, 100 actions and one action per item in a transaction, 100 keys per BatchGetItem).
 * Every call takes simulated time and may meet a fault (faults.ts).
 */
export interface TableSchema {
  hash: string;
  range?: string;
  indexes?: Record<string, { hash: string; range: string }>;
}

interface Table {
  schema: TableSchema;
  items: Map<string, Item>;
  createdAt: Date;
}

/** A command's input, read loosely: typing it per command would restate the SDK's types for each of the dozen the fake reads. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Input = Record<string, any>;
type Command = { constructor: { name: string }; input: Input };

export interface DynamoStats {
  calls: Record<string, number>;
  transactions: number;
  conflicts: number;
  faults: Record<string, number>;
}

const maxItemBytes = 400 * 1024;

export class FakeDynamo {
  private readonly tables = new Map<string, Table>();
  /** Items held by transactions in flight: table and key. */
  private readonly held = new Map<string, number>();
  readonly stats: DynamoStats = { calls: {}, transactions: 0, conflicts: 0, faults: {} };

  private readonly faults: CallFaults;
  private readonly latency: Latency;

  constructor(faults: CallFaults, latency: Latency) {
    this.faults = faults;
    this.latency = latency;
  }

  createTable(name: string, schema: TableSchema): void {
    this.tables.set(name, { schema, items: new Map(), createdAt: new Date() });
  }

  /** Every item of a table, for the checker (a read no client can make). */
  itemsOf(name: string): Item[] {
    return [...this.table(name).items.values()].map((item) => structuredClone(item));
  }

  async send(command: Command, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    const { name, input, answer } = documentView(command.constructor.name, command.input);
    this.stats.calls[name] = (this.stats.calls[name] ?? 0) + 1;
    const fault = this.faults({ service: 'dynamodb', operation: name });
    if (fault) this.stats.faults[fault.kind] = (this.stats.faults[fault.kind] ?? 0) + 1;
    await this.wait(this.latency(name) + (fault?.kind === 'slow' ? fault.ms : 0), options?.abortSignal);
    if (fault && failsBefore(fault)) throw faultError(fault);
    const result = await this.act(name, input, options?.abortSignal);
    if (fault && failsAfter(fault)) throw faultError(fault);
    return answer(result as Record<string, unknown>);
  }

  private async act(name: string, input: Input, signal?: AbortSignal): Promise<unknown> {
    switch (name) {
      case 'TransactWriteCommand':
        return this.transactWrite(input, signal);
      case 'BatchGetCommand':
        return this.batchGet(input);
      case 'QueryCommand':
        return this.query(input);
      case 'GetCommand': {
        const table = this.table(input.TableName);
        const item = table.items.get(this.keyOf(table, input.Key));
        return { Item: item && project(item, input.ProjectionExpression, exprOf(input)) };
      }
      case 'PutCommand':
        return this.write(input, () => clean(input.Item), input.Item);
      case 'UpdateCommand':
        return this.write(input, (existing) => update(input.UpdateExpression, existing, input.Key, exprOf(input)), input.Key);
      case 'DescribeTableCommand':
        return { Table: { TableName: input.TableName, TableStatus: 'ACTIVE', CreationDateTime: this.table(input.TableName).createdAt } };
      default:
        throw new Error(`simulated DynamoDB has no ${name}`);
    }
  }

  private write(input: Input, next: (existing: Item | undefined) => Item, key: Item): object {
    const table = this.table(input.TableName);
    const id = this.keyOf(table, key);
    const existing = table.items.get(id);
    if (input.ConditionExpression && !evaluate(input.ConditionExpression, existing, exprOf(input))) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    const item = next(existing);
    this.validate(table, item);
    table.items.set(id, item);
    return {};
  }

  /**
   * All or nothing. The items are held from the start of the call until it commits; a transaction
   * that finds one of its items held by another is cancelled with TransactionConflict, as DynamoDB
   * cancels it, and writes nothing.
   */
  private async transactWrite(input: Input, signal?: AbortSignal): Promise<object> {
    const actions: Array<Input> = input.TransactItems;
    if (actions.length > 100) throw validation('a transaction takes at most 100 actions');
    const targets = actions.map((action) => {
      const [kind, body] = Object.entries(action)[0]! as [string, Input];
      const table = this.table(body.TableName);
      const key = kind === 'Put' ? keyPart(table, body.Item) : body.Key;
      return { kind, body, table, id: `${body.TableName}\u0000${this.keyOf(table, key)}`, key };
    });
    if (new Set(targets.map((t) => t.id)).size !== targets.length) throw validation('two actions of one transaction touch the same item');
    this.stats.transactions++;
    const clash = targets.map((t) => (this.held.has(t.id) ? 'TransactionConflict' : 'None'));
    if (clash.includes('TransactionConflict')) {
      this.stats.conflicts++;
      throw cancelled(clash);
    }
    for (const t of targets) this.held.set(t.id, (this.held.get(t.id) ?? 0) + 1);
    try {
      // The commit itself takes a while, during which the items stay held.
      await this.wait(this.latency('TransactWriteCommit'), signal);
      const reasons = targets.map((t) => {
        const existing = t.table.items.get(this.keyOf(t.table, t.key));
        const condition = t.body.ConditionExpression;
        return condition && !evaluate(condition, existing, exprOf(t.body)) ? 'ConditionalCheckFailed' : 'None';
      });
      if (reasons.includes('ConditionalCheckFailed')) throw cancelled(reasons);
      const writes = targets.flatMap((t) => {
        const existing = t.table.items.get(this.keyOf(t.table, t.key));
        if (t.kind === 'Put') return [{ t, item: clean(t.body.Item) }];
        if (t.kind === 'Update') return [{ t, item: update(t.body.UpdateExpression, existing, t.key, exprOf(t.body)) }];
        return [];
      });
      for (const { t, item } of writes) this.validate(t.table, item);
      for (const { t, item } of writes) t.table.items.set(this.keyOf(t.table, t.key), item);
      return {};
    } finally {
      for (const t of targets) {
        const count = this.held.get(t.id)! - 1;
        if (count === 0) this.held.delete(t.id);
        else this.held.set(t.id, count);
      }
    }
  }

  private batchGet(input: Input): object {
    const responses: Record<string, Item[]> = {};
    let keys = 0;
    for (const [name, request] of Object.entries(input.RequestItems as Record<string, { Keys: Item[]; ProjectionExpression?: string }>)) {
      const table = this.table(name);
      keys += request.Keys.length;
      if (new Set(request.Keys.map((key) => this.keyOf(table, key))).size !== request.Keys.length)
        throw validation('duplicate keys in BatchGetItem');
      responses[name] = request.Keys.flatMap((key) => {
        const item = table.items.get(this.keyOf(table, key));
        return item ? [project(item, request.ProjectionExpression, exprOf(request))] : [];
      });
    }
    if (keys > 100) throw validation('BatchGetItem takes at most 100 keys');
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private query(input: Input): object {
    const table = this.table(input.TableName);
    const schema = input.IndexName ? table.schema.indexes?.[input.IndexName] : { hash: table.schema.hash, range: table.schema.range };
    if (!schema) throw validation(`no index ${input.IndexName}`);
    const expression = exprOf(input);
    const partition = partitionValue(input.KeyConditionExpression, schema.hash, expression);
    const tableKey = (item: Item) => this.keyOf(table, item);
    let items = [...table.items.values()]
      .filter((item) => item[schema.hash] === partition && (schema.range === undefined || item[schema.range] !== undefined))
      .filter((item) => evaluate(input.KeyConditionExpression, item, expression))
      .sort((a, b) => (schema.range ? compare(a[schema.range], b[schema.range]) : 0) || compare(tableKey(a), tableKey(b)));
    if (input.ScanIndexForward === false) items.reverse();
    if (input.ExclusiveStartKey) {
      const after = items.findIndex((item) => tableKey(item) === this.keyOf(table, input.ExclusiveStartKey));
      if (after < 0) throw validation('ExclusiveStartKey is not a key this query returned');
      items = items.slice(after + 1);
    }
    const limit = input.Limit ?? Number.POSITIVE_INFINITY;
    const examined: Item[] = [];
    let bytes = 0;
    for (const item of items) {
      if (examined.length >= limit || bytes > 1024 * 1024) break;
      examined.push(item);
      bytes += itemBytes(item);
    }
    const kept = input.FilterExpression ? examined.filter((item) => evaluate(input.FilterExpression, item, expression)) : examined;
    const last = examined.at(-1);
    // Like DynamoDB: a page that stopped at its limit says where, even when nothing follows.
    const stopped = last !== undefined && (examined.length === limit || examined.length < items.length);
    return {
      Items: kept.map((item) => project(item, input.ProjectionExpression, expression)),
      Count: kept.length,
      ScannedCount: examined.length,
      ...(stopped
        ? {
            LastEvaluatedKey: {
              ...keyPart(table, last),
              ...(input.IndexName ? { [schema.hash]: last[schema.hash], [schema.range!]: last[schema.range!] } : {}),
            },
          }
        : {}),
    };
  }

  private validate(table: Table, item: Item): void {
    for (const [attribute, limit] of [
      [table.schema.hash, 2048],
      [table.schema.range, 1024],
    ] as const) {
      if (attribute === undefined) continue;
      const value = item[attribute];
      if (typeof value === 'string' && (value.length === 0 || !value.isWellFormed() || Buffer.byteLength(value) > limit)) {
        throw validation(`key attribute ${attribute} is empty, not valid UTF-8 or over ${limit} bytes`);
      }
    }
    for (const index of Object.values(table.schema.indexes ?? {})) {
      const hash = item[index.hash];
      const range = item[index.range];
      if (typeof hash === 'string' && Buffer.byteLength(hash) > 2048) throw validation('index key over 2048 bytes');
      if (typeof range === 'string' && Buffer.byteLength(range) > 1024) throw validation('index sort key over 1024 bytes');
    }
    if (itemBytes(item) > maxItemBytes) throw validation('Item size has exceeded the maximum allowed size');
  }

  private table(name: string): Table {
    const table = this.tables.get(name);
    if (!table)
      throw Object.assign(new Error(`Requested resource not found: ${name}`), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    return table;
  }

  private keyOf(table: Table, key: Item): string {
    const hash = key[table.schema.hash];
    if (hash === undefined || (table.schema.range && key[table.schema.range] === undefined)) throw validation('the key is incomplete');
    return JSON.stringify(table.schema.range ? [hash, key[table.schema.range]] : [hash]);
  }

  private wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        },
        { once: true },
      );
    });
  }
}

const failsBefore = (fault: Fault) => fault.kind === 'fail-before' || fault.kind === 'throttle' || fault.kind === 'timeout-before';
const failsAfter = (fault: Fault) => fault.kind === 'fail-after' || fault.kind === 'timeout-after';

const exprOf = (input: Input) => ({ names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues });

const keyPart = (table: Table, item: Item): Item => ({
  [table.schema.hash]: item[table.schema.hash],
  ...(table.schema.range ? { [table.schema.range]: item[table.schema.range] } : {}),
});

/** The document client drops undefined values (removeUndefinedValues). */
const clean = (item: Item): Item => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    bytes +=
      typeof value === 'string'
        ? Buffer.byteLength(value)
        : typeof value === 'number'
          ? 21
          : Buffer.byteLength(JSON.stringify(value) ?? '');
  }
  return bytes;
}

const validation = (message: string) =>
  Object.assign(new Error(message), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
