import {
  type ErrorDetail,
  InvalidEventsError,
  InvalidQueryError,
  MalformedBodyError,
  TooLargeError,
  UnsupportedMediaTypeError,
} from './errors.ts';
import { eventSchema, type LogEvent, unknownFieldMessage } from './event.ts';
import { parseIdempotencyKey } from './idempotency.ts';
import { limits } from './limits.ts';
import { parseWait, type WaitPreference } from './wait.ts';

export interface RawRequest {
  body: string | null;
  isBase64Encoded?: boolean;
  contentType?: string;
  query?: Record<string, string | undefined> | null;
  idempotencyKey?: string;
  prefer?: string;
}

export interface ParsedPublish {
  events: LogEvent[];
  idempotencyKey?: string;
  wait?: WaitPreference;
}

/**
 * Turns a publish request into validated events and its options, or throws the error that says
 * why not. The request is all-or-nothing: one bad event rejects the whole batch.
 */
export function parsePublishRequest(request: RawRequest): ParsedPublish {
  const { wait: waitParameter, ...unknown } = request.query ?? {};
  if (Object.keys(unknown).length > 0) {
    throw new InvalidQueryError(
      'invalid query parameters',
      Object.keys(unknown).map((path) => ({ path, message: 'unknown query parameter' })),
    );
  }
  const wait = parseWait(waitParameter, request.prefer);
  const idempotencyKey = parseIdempotencyKey(request.idempotencyKey);
  return { events: parseEvents(request), ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...(wait ? { wait } : {}) };
}

function parseEvents(request: RawRequest): LogEvent[] {
  assertJsonContentType(request.contentType);
  const text = decodeBody(request);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBodyBytes) {
    throw new TooLargeError(`request body is ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  const items = eventsOf(parseJson(text));
  if (items.length === 0) {
    throw new InvalidEventsError('the request contains no events', [{ path: 'events', message: 'must contain at least one event' }]);
  }
  if (items.length > limits.maxEventsPerRequest) {
    throw new TooLargeError(`the request has ${items.length} events; the limit is ${limits.maxEventsPerRequest}`);
  }
  assertEventSizes(items);
  return validateAll(items);
}

function assertJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === '') return;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return;
  throw new UnsupportedMediaTypeError(`content type '${mediaType}' is not supported; send Content-Type: application/json`);
}

function decodeBody({ body, isBase64Encoded }: RawRequest): string {
  if (body === null || body === '')
    throw new MalformedBodyError('the request body is empty; send a JSON event, array or {"events": [...]}');
  if (!isBase64Encoded) return body;
  const bytes = Buffer.from(body, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedBodyError('the request body is not valid UTF-8');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'nesting too deep';
    throw new MalformedBodyError(`the request body is not valid JSON: ${reason}`);
  }
}

function eventsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (document !== null && typeof document === 'object' && 'events' in document) {
    const { events, ...others } = document as { events: unknown };
    if (!Array.isArray(events))
      throw new InvalidEventsError('"events" must be an array', [{ path: 'events', message: 'must be an array of events' }]);
    const unknown = Object.keys(others);
    if (unknown.length > 0) {
      throw new InvalidEventsError(
        `unknown field(s) beside "events": ${unknown.join(', ')}; nothing was enqueued`,
        unknown.map((key) => ({ path: key, message: 'unknown field; the body is {"events": [...]} and nothing else' })),
      );
    }
    return events;
  }
  if (document !== null && typeof document === 'object') return [document];
  throw new InvalidEventsError('the body must be an event, an array of events or {"events": [...]}', [
    { path: '', message: `got ${document === null ? 'null' : typeof document}` },
  ]);
}

function assertEventSizes(items: unknown[]): void {
  const oversize: ErrorDetail[] = [];
  items.forEach((item, index) => {
    const bytes = Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
    if (bytes > limits.maxEventBytes) {
      oversize.push({
        index,
        path: `events[${index}]`,
        message: `event is ${bytes} bytes serialised; the limit is ${limits.maxEventBytes}`,
      });
    }
  });
  if (oversize.length > 0) throw new TooLargeError(`${oversize.length} event(s) exceed the size limit`, oversize);
}

function validateAll(items: unknown[]): LogEvent[] {
  const events: LogEvent[] = [];
  const problems: ErrorDetail[] = [];
  items.forEach((item, index) => {
    const result = eventSchema.safeParse(item);
    if (result.success) {
      events.push(result.data);
      return;
    }
    for (const issue of result.error.issues) {
      const field = issue.path.map(String).join('.');
      const at = `events[${index}]${field ? `.${field}` : ''}`;
      // One detail per unknown field, named, so that a typo such as `paylaod` is plain to see.
      if (issue.code === 'unrecognized_keys')
        for (const key of issue.keys) problems.push({ index, path: `${at}.${key}`, message: unknownFieldMessage });
      else problems.push({ index, path: at, message: issue.message });
    }
  });
  if (problems.length > 0) {
    throw new InvalidEventsError(
      `${new Set(problems.map((p) => p.index)).size} of ${items.length} event(s) are invalid; nothing was enqueued`,
      problems,
    );
  }
  return events;
}
