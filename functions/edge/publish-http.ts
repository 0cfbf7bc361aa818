import {
  InvalidEventsError,
  InvalidHeaderError,
  InvalidQueryError,
  MalformedBodyError,
  TooLargeError,
  UnsupportedMediaTypeError,
} from '../domain/errors.ts';
import type { LogEvent } from '../domain/event.ts';
import { limits } from '../domain/limits.ts';
import type { WaitPreference } from '../domain/publish.ts';
import { eventsOfDocument, validateEvents } from '../domain/publish-request.ts';
import { type PathSegment, parseStrictJson } from './json-text.ts';

/** idemlog's own publish protocol over HTTP: JSON events, Idempotency-Key, ?wait= and Prefer: wait=. */
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
export function decodePublishRequest(request: RawRequest): ParsedPublish {
  const { wait: waitParameter, ...unknown } = request.query ?? {};
  if (Object.keys(unknown).length > 0) {
    throw new InvalidQueryError(
      'invalid query parameters',
      Object.keys(unknown).map((path) => ({ path, message: 'unknown query parameter' })),
    );
  }
  const wait = parseWait(waitParameter, request.prefer);
  const idempotencyKey = parseIdempotencyKey(request.idempotencyKey);
  assertJsonContentType(request.contentType);
  const events = validateEvents(eventsOfDocument(parseBody(decodeBody(request))));
  return { events, ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...(wait ? { wait } : {}) };
}

function assertJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === '') return;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return;
  throw new UnsupportedMediaTypeError(`content type '${mediaType}' is not supported; send Content-Type: application/json`);
}

/** The body as text: API Gateway passes binary media types base64-encoded. */
export function decodeBody({ body, isBase64Encoded }: Pick<RawRequest, 'body' | 'isBase64Encoded'>): string {
  if (body === null || body === '')
    throw new MalformedBodyError('the request body is empty; send a JSON event, array or {"events": [...]}');
  const text = isBase64Encoded ? utf8Of(Buffer.from(body, 'base64')) : body;
  assertBodySize(Buffer.byteLength(text, 'utf8'));
  return text;
}

/** Every body, of every protocol, is refused past one limit (docs/API.md). */
export function assertBodySize(bytes: number): void {
  if (bytes > limits.maxBodyBytes) throw new TooLargeError(`request body is ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
}

export function utf8Of(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedBodyError('the request body is not valid UTF-8');
  }
}

/**
 * The body parsed as I-JSON (edge/json-text.ts): refused when JSON.parse would read back something
 * other than what was sent, or when it nests deeper than any valid event does, before anything
 * measures or serialises it.
 */
function parseBody(text: string): unknown {
  const parsed = parseStrictJson(text, limits.maxDocumentDepth);
  if (!parsed.ok) throw new MalformedBodyError(`the request body is not valid JSON: ${parsed.syntax}`);
  if (parsed.problems.length === 0) return parsed.value;
  const details = parsed.problems.map((problem) => ({ ...eventPathOf(parsed.value, problem.path), message: problem.message }));
  throw new InvalidEventsError(`${details.length} place(s) in the body cannot be accepted as sent; nothing was enqueued`, details);
}

/** A path in the body as the event it falls in and its `events[i].field...` form, whichever of the three body shapes it is. */
function eventPathOf(document: unknown, path: PathSegment[]): { index?: number; path: string } {
  let rest = path;
  let index: number | undefined;
  if (Array.isArray(document)) [index, rest] = [path[0] as number | undefined, path.slice(1)];
  else if (path[0] === 'events' && document !== null && typeof document === 'object' && 'events' in document)
    [index, rest] = [path[1] as number | undefined, path.slice(2)];
  else index = 0;
  // A bomb's path is thousands of segments long: the first few say where it is.
  const shown = rest.slice(0, 4).map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`));
  const head = index === undefined ? 'events' : `events[${index}]`;
  return { ...(index === undefined ? {} : { index }), path: `${head}${shown.join('')}${rest.length > 4 ? '…' : ''}` };
}

/**
 * An Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header-07): a quoted string, as the
 * draft has it, or a bare token, as Stripe takes it. Undefined when the header is absent.
 */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(trimmed);
  const key = quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : trimmed;
  const problem =
    key.length === 0
      ? 'must not be empty'
      : key.length > limits.maxIdempotencyKeyChars
        ? `must be at most ${limits.maxIdempotencyKeyChars} characters`
        : !/^[\x20-\x7e]+$/.test(key)
          ? 'must be printable ASCII'
          : undefined;
  if (problem) throw new InvalidHeaderError(`Idempotency-Key ${problem}`, [{ path: 'Idempotency-Key', message: problem }]);
  return key;
}

/**
 * `POST /publish?wait=<seconds>` or `Prefer: wait=<seconds>` (RFC 7240): answer once every event is
 * applied, or after that long. A bad `?wait=` is an error; a Prefer header is a preference, so an
 * unreadable one is ignored and a long one is cut to the maximum.
 */
export function parseWait(query: string | undefined, prefer: string | undefined): WaitPreference | undefined {
  if (query !== undefined) {
    if (!/^\d{1,2}$/.test(query) || Number(query) > limits.maxWaitSeconds) {
      throw new InvalidQueryError('invalid query parameters', [
        { path: 'wait', message: `must be a whole number of seconds from 0 to ${limits.maxWaitSeconds}` },
      ]);
    }
    return Number(query) > 0 ? { seconds: Number(query), from: 'query' } : undefined;
  }
  const preference = prefer
    ?.split(',')
    .map((part) => /^\s*wait\s*=\s*"?(\d+)"?\s*$/i.exec(part.split(';')[0]!))
    .find((match) => match !== null);
  if (!preference) return undefined;
  const seconds = Math.min(Number(preference[1]), limits.maxWaitSeconds);
  return seconds > 0 ? { seconds, from: 'prefer' } : undefined;
}
