import { InvalidEventsError, MalformedBodyError, UnsupportedMediaTypeError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { parseStrictJson } from '../json-text.ts';
import { utf8Of } from '../publish-http.ts';
import { encodeOf, otlpTypes, plainOf } from './protobuf.ts';
import { candidateOf, entryOf, nanosOf, present, receivedAt, type ShippedRecord, timestampOfNanos } from './shipped.ts';

/**
 * OTLP/HTTP logs (`POST /v1/logs`), protobuf or JSON. Each log record becomes one event:
 *   topic      the attribute `idemlog.topic` of the record, else of its resource; else `service.name`
 *   source     the resource's `service.instance.id`, else `host.name`, else `service.name`
 *   timestamp  timeUnixNano (every digit), else observedTimeUnixNano, else the receive time
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
export function otlpRecords(bytes: Uint8Array, format: OtlpFormat, now = Date.now()): Record<string, unknown>[] {
  const request = (format === 'protobuf' ? fromProtobuf(bytes) : fromJson(bytes)) as OtlpRequest;
  if (request === null || typeof request !== 'object' || Array.isArray(request))
    throw new MalformedBodyError('the body is not an OTLP ExportLogsServiceRequest');
  const records: Record<string, unknown>[] = [];
  for (const resourceLogs of list(request.resourceLogs)) {
    const resource = attributesOf(resourceLogs?.resource?.attributes);
    for (const scopeLogs of list(resourceLogs?.scopeLogs)) {
      const scope = present({
        name: scopeLogs?.scope?.name,
        version: scopeLogs?.scope?.version,
        attributes: attributesOf(scopeLogs?.scope?.attributes),
      });
      for (const record of list(scopeLogs?.logRecords)) {
        records.push(candidateOf('otlp', shippedOf(record ?? {}, resource, scope, format, now)));
        if (records.length > limits.maxEventsPerRequest)
          throw new InvalidEventsError(`the request has more than ${limits.maxEventsPerRequest} log records; send smaller batches`);
      }
    }
  }
  return records;
}

interface OtlpRequest {
  resourceLogs?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeLogs?: Array<{ scope?: { name?: string; version?: string; attributes?: KeyValue[] }; logRecords?: LogRecord[] }>;
  }>;
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
  const idOf = (id: string | undefined) => (id && format === 'protobuf' ? Buffer.from(id, 'base64').toString('hex') : id);
  const payload = present({
    body: record.body === undefined ? undefined : jsonOfAnyValue(record.body),
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

const nonZero = (nanos: bigint | undefined) => (nanos === 0n ? undefined : nanos);
const textOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

function attributesOf(keyValues: KeyValue[] | undefined): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const { key, value } of list(keyValues))
    if (typeof key === 'string') entryOf(object, key, value === undefined ? null : jsonOfAnyValue(value));
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
  if (value.arrayValue !== undefined) return list(value.arrayValue.values).map(jsonOfAnyValue);
  if (value.kvlistValue !== undefined) return attributesOf(value.kvlistValue.values);
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
