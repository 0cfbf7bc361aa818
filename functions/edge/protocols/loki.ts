import { InvalidEventsError, MalformedBodyError, UnsupportedMediaTypeError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { parseStrictJson } from '../json-text.ts';
import { utf8Of } from '../publish-http.ts';
import { expandSnappy } from './compression.ts';
import { lokiPushRequest, plainOf } from './protobuf.ts';
import { candidateOf, entryOf, nanosOf, present, type ShippedRecord, timestampOfNanos } from './shipped.ts';

/**
 * Loki's push API (`POST /loki/api/v1/push`): snappy-compressed protobuf or JSON. Each entry becomes one event:
 *   topic      the stream's label `topic`, else `service_name`, else `job`, else `loki`
 *   source     the label `host`, else `instance`, else `loki`
 *   timestamp  the entry's nanoseconds (every digit)
 *   event_id   `loki:` and a hash of the stream's labels, the entry's time, line and structured metadata
 *   payload    line, labels, structured_metadata
 */
export type LokiFormat = 'json' | 'protobuf';

export function lokiFormatOf(contentType: string | undefined): LokiFormat {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // Loki reads any body that is not JSON as snappy protobuf; its clients send application/x-protobuf.
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf' || mediaType === '') return 'protobuf';
  throw new UnsupportedMediaTypeError(
    `content type '${mediaType}' is not supported on the Loki push path; send application/x-protobuf or application/json`,
  );
}

interface Stream {
  labels: Record<string, string>;
  entries: Array<{ nanos: bigint | undefined; line: unknown; metadata: Record<string, unknown> }>;
}

export function lokiRecords(bytes: Uint8Array, format: LokiFormat): Record<string, unknown>[] {
  const streams = format === 'protobuf' ? protobufStreams(bytes) : jsonStreams(bytes);
  const records: Record<string, unknown>[] = [];
  for (const stream of streams) for (const entry of stream.entries) records.push(candidateOf('loki', shippedOf(stream.labels, entry)));
  return records;
}

function shippedOf(labels: Record<string, string>, entry: Stream['entries'][number]): ShippedRecord {
  // The line as sent, empty or not.
  const payload = { line: entry.line, ...present({ labels, structured_metadata: entry.metadata }) };
  return {
    topic: labels.topic ?? labels.service_name ?? labels.job ?? 'loki',
    source: labels.host ?? labels.instance ?? 'loki',
    // An entry without a time is refused by the event rules, with their message.
    timestamp: entry.nanos === undefined ? 'missing' : timestampOfNanos(entry.nanos),
    payload,
    content: { ...payload, time: entry.nanos?.toString() ?? null },
  };
}

function protobufStreams(bytes: Uint8Array): Stream[] {
  let push: {
    streams?: Array<{
      labels?: string;
      entries?: Array<{
        timestamp?: { seconds?: string; nanos?: number };
        line?: string;
        structuredMetadata?: Array<{ name?: string; value?: string }>;
      }>;
    }>;
  };
  const expanded = expandSnappy(bytes);
  try {
    push = plainOf(lokiPushRequest, expanded) as typeof push;
  } catch (error) {
    throw new MalformedBodyError(`the body is not a protobuf PushRequest: ${(error as Error).message}`);
  }
  return (push.streams ?? []).map((stream) => ({
    labels: parseLabels(stream.labels ?? ''),
    entries: (stream.entries ?? []).map((entry) => {
      const seconds = nanosOf(entry.timestamp?.seconds ?? '0');
      const nanos =
        entry.timestamp === undefined || seconds === undefined ? undefined : seconds * 1_000_000_000n + BigInt(entry.timestamp.nanos ?? 0);
      const metadata: Record<string, unknown> = {};
      for (const pair of entry.structuredMetadata ?? []) entryOf(metadata, pair.name ?? '', pair.value ?? '');
      return { nanos, line: entry.line ?? '', metadata };
    }),
  }));
}

function jsonStreams(bytes: Uint8Array): Stream[] {
  const parsed = parseStrictJson(utf8Of(bytes), limits.maxDocumentDepth);
  if (!parsed.ok) throw new MalformedBodyError(`the request body is not valid JSON: ${parsed.syntax}`);
  if (parsed.problems.length > 0)
    throw new InvalidEventsError(
      `${parsed.problems.length} place(s) in the body cannot be accepted as sent`,
      parsed.problems.map((problem) => ({ path: problem.path.slice(0, 8).join('.'), message: problem.message })),
    );
  const body = parsed.value as { streams?: unknown };
  if (body === null || typeof body !== 'object' || !Array.isArray(body.streams))
    throw new MalformedBodyError('the body must be {"streams": [{"stream": {labels}, "values": [["<ns>", "<line>"], ...]}]}');
  return body.streams.map((stream: { stream?: unknown; values?: unknown } | null, s: number) => {
    if (stream === null || typeof stream !== 'object' || Array.isArray(stream))
      throw new MalformedBodyError(`streams[${s}] must be {"stream": {labels}, "values": [...]}`);
    const labels = stream.stream ?? {};
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string'))
      throw new MalformedBodyError(`streams[${s}].stream must be an object of string labels`);
    if (!Array.isArray(stream.values)) throw new MalformedBodyError(`streams[${s}].values must be an array of [time, line] pairs`);
    return {
      labels: labels as Record<string, string>,
      entries: stream.values.map((value: unknown, v: number) => {
        if (!Array.isArray(value) || typeof value[1] !== 'string' || value.length > 3)
          throw new MalformedBodyError(`streams[${s}].values[${v}] must be ["<unix ns>", "<line>"] or with a third element of metadata`);
        const metadata = value[2] ?? {};
        if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
          throw new MalformedBodyError(`streams[${s}].values[${v}][2] must be an object of structured metadata`);
        return { nanos: nanosOf(value[0]), line: value[1], metadata: metadata as Record<string, unknown> };
      }),
    };
  });
}

/**
 * A Prometheus label set as Loki's protobuf carries it: `{job="api", host="a\"b"}`, each value
 * quoted as Go's strconv.Quote writes it (prometheus/common's LabelSet.String), so every escape Go
 * writes is read back; an unknown escape or a name given twice refuses the push.
 */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const trimmed = text.trim();
  const refuse = (why: string) => new MalformedBodyError(`the stream's labels ${JSON.stringify(trimmed.slice(0, 100))}: ${why}`);
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) throw refuse('not a label set');
  const inner = trimmed.slice(1, -1);
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let end = 0;
  while (end < inner.length) {
    if (inner.slice(end).trim() === '') break;
    pattern.lastIndex = end;
    const match = pattern.exec(inner);
    if (match === null) throw refuse('not a label set');
    if (Object.hasOwn(labels, match[1]!)) throw refuse(`the label ${match[1]} is given twice`);
    entryOf(labels, match[1]!, unquoteGo(match[2]!, refuse));
    end = pattern.lastIndex;
  }
  return labels;
}

const simpleEscapes: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** The inside of a Go double-quoted string literal, as UTF-8 text: \xHH and octal escapes are bytes. */
function unquoteGo(body: string, refuse: (why: string) => Error): string {
  const bytes: number[] = [];
  const pushText = (text: string) => bytes.push(...Buffer.from(text, 'utf8'));
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const code = body.codePointAt(i)!;
      pushText(String.fromCodePoint(code));
      if (code > 0xffff) i++;
      continue;
    }
    const e = body[++i];
    if (e !== undefined && e in simpleEscapes) pushText(simpleEscapes[e]!);
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if ((e === 'u' || e === 'U') && /^[0-9a-fA-F]+$/.test(body.slice(i + 1, i + (e === 'u' ? 5 : 9)))) {
      const digits = e === 'u' ? 4 : 8;
      const code = Number.parseInt(body.slice(i + 1, i + 1 + digits), 16);
      if (body.slice(i + 1, i + 1 + digits).length !== digits || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        throw refuse('a bad \\u escape');
      pushText(String.fromCodePoint(code));
      i += digits;
    } else if (e !== undefined && /^[0-7]{3}$/.test(body.slice(i, i + 3)) && Number.parseInt(body.slice(i, i + 3), 8) < 256) {
      bytes.push(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else throw refuse(`the escape \\${e ?? ''} is not one Go writes`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw refuse('a value that is not UTF-8');
  }
}
