import { InvalidEventsError, MalformedBodyError, UnsupportedMediaTypeError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { RefusedRecord } from '../../domain/publish-request.ts';
import { parseStrictJson } from '../json-text.ts';
import { utf8Of } from '../publish-http.ts';
import { encodeOf, otlpTypes, plainOf } from './protobuf.ts';
import { candidateOf, entryOf, nanosOf, present, receivedAt, type ShippedRecord, timestampOfNanos } from './shipped.ts';

/**
 * OTLP/HTTP logs (`POST /v1/logs`), protobuf or JSON. Each log record becomes one event:
 *   topic      the attribute `idemlog.topic` of the record, else of its resource; else `service.name`
 *   source     the resource's `service.instance.id`, else `host.name`, else `service.name`
 *   timestamp  timeUnixNano (every digit), else observedTimeUnixNano, else the receive time (not part of the id)
 *   event_id   the record's `log.record.uid` attribute, else `otlp:` and a hash of the record with its resource and scope
 *   payload    body, severity, attributes, resource, scope, trace and span ids, flags, event name, observed time
 */
export type OtlpFormat = 'json' | 'protobuf';

export function otlpFormatOf(contentType: string | undefined): OtlpFormat {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  throw new UnsupportedMediaTypeError(
    `content type '${mediaType}' is not supported on /v1/logs; send application/x-protobuf or application/json`,
  );
}

/** The records of an export request as candidate events, in order. */
export function otlpRecords(bytes: Uint8Array, format: OtlpFormat, now = Date.now()): Array<Record<string, unknown> | RefusedRecord> {
  const request = objectOf<OtlpRequest>(format === 'protobuf' ? fromProtobuf(bytes) : fromJson(bytes));
  const records: Array<Record<string, unknown> | RefusedRecord> = [];
  for (const resourceLogs of list(request.resourceLogs).map((item) => objectOf<ResourceLogs>(item))) {
    const resource = wholeRequest(() => attributesOf(objectOf<{ attributes?: KeyValue[] }>(resourceLogs.resource).attributes));
    for (const scopeLogs of list(resourceLogs.scopeLogs).map((item) => objectOf<ScopeLogs>(item))) {
      const scopeOf = objectOf<NonNullable<ScopeLogs['scope']>>(scopeLogs.scope);
      const scope = present({
        name: scopeOf.name,
        version: scopeOf.version,
        attributes: wholeRequest(() => attributesOf(scopeOf.attributes)),
      });
      for (const record of list(scopeLogs.logRecords)) {
        try {
          records.push(candidateOf('otlp', shippedOf(objectOf<LogRecord>(record), resource, scope, format, now)));
        } catch (error) {
          if (!(error instanceof RefusedRecordError)) throw error;
          records.push(new RefusedRecord(error.message));
        }
      }
    }
  }
  return records;
}

interface OtlpRequest {
  resourceLogs?: ResourceLogs[];
}
interface ResourceLogs {
  resource?: { attributes?: KeyValue[] };
  scopeLogs?: ScopeLogs[];
}
interface ScopeLogs {
  scope?: { name?: string; version?: string; attributes?: KeyValue[] };
  logRecords?: LogRecord[];
}
interface KeyValue {
  key?: string;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface LogRecord {
  timeUnixNano?: string | number;
  observedTimeUnixNano?: string | number;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

function shippedOf(
  record: LogRecord,
  resource: Record<string, unknown>,
  scope: Record<string, unknown>,
  format: OtlpFormat,
  now: number,
): ShippedRecord {
  const attributes = attributesOf(record.attributes);
  const time = nonZero(nanosOf(record.timeUnixNano)) ?? nonZero(nanosOf(record.observedTimeUnixNano));
  const observed = nonZero(nanosOf(record.observedTimeUnixNano));
  // Protobuf carries ids as bytes (base64 here), JSON as hex: both stored as hex.
  // Hex is case-insensitive: lower case, as protobuf's bytes give, so both encodings make one id.
  const idOf = (id: string | undefined) =>
    id && format === 'protobuf' ? Buffer.from(id, 'base64').toString('hex') : typeof id === 'string' ? id.toLowerCase() : id;
  const payload = present({
    severity_text: record.severityText,
    severity_number: record.severityNumber || undefined,
    attributes,
    resource,
    scope,
    trace_id: idOf(record.traceId),
    span_id: idOf(record.spanId),
    flags: record.flags || undefined,
    event_name: record.eventName,
    observed_timestamp: observed === undefined ? undefined : timestampOfNanos(observed),
    dropped_attributes_count: record.droppedAttributesCount || undefined,
  });
  // The body as sent, empty or not.
  if (record.body !== undefined) payload.body = jsonOfAnyValue(objectOf<AnyValue>(record.body));
  const serviceName = textOf(resource['service.name']);
  const uid = textOf(attributes['log.record.uid']);
  return {
    topic: textOf(attributes['idemlog.topic']) ?? textOf(resource['idemlog.topic']) ?? serviceName ?? 'unknown_service',
    source: textOf(resource['service.instance.id']) ?? textOf(resource['host.name']) ?? serviceName ?? 'unknown_service',
    timestamp: time === undefined ? receivedAt(now) : timestampOfNanos(time),
    payload,
    ...(uid ? { ownId: uid } : {}),
    content: { ...payload, time: time?.toString() ?? null },
  };
}

/** A record the event rules never see: its reason goes into the partial success. */
class RefusedRecordError extends Error {}

/** Anything but an object where the schema has a message is a body no OTLP exporter sends. */
function objectOf<T extends object>(value: unknown): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new MalformedBodyError(
      `the body is not an OTLP ExportLogsServiceRequest: ${JSON.stringify(value)?.slice(0, 80)} where a message belongs`,
    );
  return value as T;
}

/** A resource's or scope's problem is every one of its records' problem: the request is refused. */
function wholeRequest<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof RefusedRecordError) throw new MalformedBodyError(error.message);
    throw error;
  }
}

const nonZero = (nanos: bigint | undefined) => (nanos === 0n ? undefined : nanos);
const textOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
function list<T>(value: T[] | undefined): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new MalformedBodyError('the body is not an OTLP ExportLogsServiceRequest: an object where a list belongs');
  return value;
}

/** Attributes as an object; a key sent twice (the OTLP spec says keys MUST be unique) refuses the record, since one would hide the other. */
function attributesOf(keyValues: KeyValue[] | undefined): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const keyValue of list(keyValues).map((item) => objectOf<KeyValue>(item))) {
    const key: unknown = keyValue.key;
    if (typeof key !== 'string') throw new MalformedBodyError('an attribute without a string key');
    if (Object.hasOwn(object, key)) throw new RefusedRecordError(`the attribute key ${JSON.stringify(key.slice(0, 100))} is sent twice`);
    entryOf(object, key, keyValue.value === undefined ? null : jsonOfAnyValue(objectOf<AnyValue>(keyValue.value)));
  }
  return object;
}

/** An AnyValue as JSON: integers a double cannot hold stay decimal strings, bytes stay base64. */
function jsonOfAnyValue(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) {
    const n = Number(value.doubleValue);
    return Number.isFinite(n) ? n : String(value.doubleValue);
  }
  if (value.arrayValue !== undefined)
    return list(objectOf<{ values?: AnyValue[] }>(value.arrayValue).values).map((item) => jsonOfAnyValue(objectOf<AnyValue>(item)));
  if (value.kvlistValue !== undefined) return attributesOf(objectOf<{ values?: KeyValue[] }>(value.kvlistValue).values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

function fromProtobuf(bytes: Uint8Array): unknown {
  try {
    return plainOf(otlpTypes.request, bytes);
  } catch (error) {
    throw new MalformedBodyError(`the body is not a protobuf ExportLogsServiceRequest: ${(error as Error).message}`);
  }
}

/** OTLP/JSON nests three levels per level of a value; a body deeper than any valid record is refused before it is walked. */
const maxOtlpJsonDepth = 8 + 3 * limits.maxPayloadDepth;

function fromJson(bytes: Uint8Array): unknown {
  const parsed = parseStrictJson(utf8Of(bytes), maxOtlpJsonDepth);
  if (!parsed.ok) throw new MalformedBodyError(`the request body is not valid JSON: ${parsed.syntax}`);
  if (parsed.problems.length > 0)
    throw new InvalidEventsError(
      `${parsed.problems.length} place(s) in the body cannot be accepted as sent; nothing was enqueued`,
      parsed.problems.map((problem) => ({ path: problem.path.slice(0, 8).join('.'), message: problem.message })),
    );
  return parsed.value;
}

/** The answer to an export: partial success names how many records were refused, and why the first was. */
export function otlpSuccess(rejected: number, firstProblem: string | undefined, format: OtlpFormat): OtlpAnswer {
  const partialSuccess = rejected > 0 ? { rejectedLogRecords: String(rejected), errorMessage: firstProblem ?? '' } : undefined;
  return format === 'json'
    ? { status: 200, contentType: 'application/json', body: JSON.stringify(partialSuccess ? { partialSuccess } : {}) }
    : {
        status: 200,
        contentType: 'application/x-protobuf',
        body: Buffer.from(encodeOf(otlpTypes.response, partialSuccess ? { partialSuccess } : {})),
      };
}

/** An error as OTLP answers it: a google.rpc.Status in the request's encoding. */
export function otlpError(status: number, message: string, format: OtlpFormat, retryAfterSeconds?: number): OtlpAnswer {
  const rpcCode = status === 429 ? 8 : status >= 500 ? 14 : 3;
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  return format === 'json'
    ? { status, contentType: 'application/json', body: JSON.stringify({ code: rpcCode, message }), headers }
    : { status, contentType: 'application/x-protobuf', body: Buffer.from(encodeOf(otlpTypes.status, { code: rpcCode, message })), headers };
}

export interface OtlpAnswer {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}
