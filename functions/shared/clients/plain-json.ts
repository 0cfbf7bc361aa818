import { randomUUID } from 'node:crypto';
import { NormalizedSchema } from '@smithy/core/schema';
import type { $Schema, $ShapeSerializer, SerdeFunctions } from '@smithy/types';

/**
 * The request bodies of a client's hot operations, written by the engine's JSON.stringify instead
 * of the SDK's serializer. The SDK writes JSON byte by byte in JavaScript, walking the operation's
 * schema for every member of every item; a worker pays for that code at its slowest until V8 has
 * compiled it, and the engine's own writer needs no compiling. docs/BENCHMARKS.md has what it saves.
 *
 * Only for inputs that are plain JSON data, as idemlog's adapters build them: objects, arrays,
 * strings, finite numbers and booleans. Anything else (a binary, a date, a null, a NaN, a class
 * instance) makes the call go through the SDK's serializer, which knows what the schema asks of it.
 * An idempotency token the operation takes at its top level and the input leaves out is generated
 * here, as the SDK does, once per call, so the SDK's own retries of that call reuse it.
 * JSON-RPC protocols only (DynamoDB's and SQS's): their member names are the JSON keys.
 *
 * Where the two still differ, on inputs the functions never build (they are typed as the SDK's and
 * hold strings and whole numbers only): a member the operation does not have is sent, where the SDK
 * drops it, for AWS to refuse; a non-enumerable member is dropped, where the SDK sends it; a getter
 * is read twice; a string where a binary belongs is sent as it is, where the SDK base64-encodes it;
 * a number where a string belongs is sent as a number; and a map nested some thousands deep
 * overflows the stack somewhat sooner.
 */
export function withPlainJsonBodies<Client extends { config: object }>(client: Client, inputSchemas: $Schema[]): Client {
  const protocol = (client.config as { protocol?: { serializer?: $ShapeSerializer<string | Uint8Array> } }).protocol;
  const sdk = protocol?.serializer;
  if (!protocol || typeof sdk?.write !== 'function' || typeof sdk.flush !== 'function')
    throw new Error("the SDK client's protocol has no serializer to write plain JSON bodies beside: the SDK changed");
  protocol.serializer = new PlainJsonFirst(sdk, inputSchemas);
  return client;
}

class PlainJsonFirst implements $ShapeSerializer<string | Uint8Array> {
  private readonly sdk: $ShapeSerializer<string | Uint8Array>;
  /** Each hot operation's input schema, and the name of its top-level idempotency token, if it has one. */
  private readonly tokens: Map<$Schema, string | undefined>;
  private body: string | undefined;

  constructor(sdk: $ShapeSerializer<string | Uint8Array>, inputSchemas: $Schema[]) {
    this.sdk = sdk;
    this.tokens = new Map(inputSchemas.map((schema) => [NormalizedSchema.of(schema).getSchema() as $Schema, idempotencyTokenOf(schema)]));
  }

  write(schema: $Schema, value: unknown): void {
    this.body = undefined;
    if (this.tokens.has(schema) && isPlainObject(value) && isPlainJson(value)) {
      const token = this.tokens.get(schema);
      this.body = JSON.stringify(token === undefined || value[token] != null ? value : { ...value, [token]: randomUUID() });
      return;
    }
    this.sdk.write(schema, value);
  }

  /** Bytes, as the SDK's serializer gives: the signer hashes them and the HTTP client sends them as they are. */
  flush(): string | Uint8Array {
    const body = this.body;
    if (body === undefined) return this.sdk.flush();
    this.body = undefined;
    return Buffer.from(body, 'utf8');
  }

  setSerdeContext(serdeContext: SerdeFunctions): void {
    this.sdk.setSerdeContext(serdeContext);
  }
}

function idempotencyTokenOf(schema: $Schema): string | undefined {
  for (const [name, member] of NormalizedSchema.of(schema).structIterator()) if (member.isIdempotencyToken()) return name;
  return undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Whether JSON.stringify writes this as the SDK would: a walk of the value itself, which is cheaper
 * than a replacer called back for every member, and sees a date or a buffer before its toJSON
 * would turn it into something else.
 */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return false;
      if (Array.isArray(value)) {
        // A hole in a list would become a null.
        for (const item of value) if (item === undefined || !isPlainJson(item)) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      // A member left out (undefined) is dropped by both.
      for (const key in value) {
        const member = value[key];
        if (member !== undefined && !isPlainJson(member)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
