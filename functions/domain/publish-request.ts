import { queueSafeJson } from './envelope.ts';
import { type ErrorDetail, InvalidEventsError, TooLargeError } from './errors.ts';
import { eventSchema, type LogEvent, unknownFieldMessage } from './event.ts';
import { limits } from './limits.ts';

/**
 * The candidate events of a publish body: one event, an array of events, or {"events": [...]}.
 * Throws when the document is none of these.
 */
export function eventsOfDocument(document: unknown): unknown[] {
  let items: unknown[];
  if (Array.isArray(document)) items = document;
  else if (document !== null && typeof document === 'object' && 'events' in document) {
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
    items = events;
  } else if (document !== null && typeof document === 'object') items = [document];
  else {
    throw new InvalidEventsError('the body must be an event, an array of events or {"events": [...]}', [
      { path: '', message: `got ${document === null ? 'null' : typeof document}` },
    ]);
  }
  if (items.length === 0) {
    throw new InvalidEventsError('the request contains no events', [{ path: 'events', message: 'must contain at least one event' }]);
  }
  if (items.length > limits.maxEventsPerRequest) {
    throw new TooLargeError(`the request has ${items.length} events; the limit is ${limits.maxEventsPerRequest}`);
  }
  assertEventSizes(items);
  return items;
}

/**
 * Refuses an event over the size limit before anything walks it: an event of millions of tiny
 * values would otherwise cost the schema's checks more memory than the function has. (Publish
 * checks again on the text that travels, which escapes make longer.)
 */
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
  if (oversize.length > 0)
    throw new TooLargeError(`${oversize.length} event(s) exceed the size limit`, oversize.slice(0, limits.maxErrorDetails));
}

/** Validates every candidate event; the request is all-or-nothing, so one bad event refuses it with every problem listed. */
export function validateEvents(items: unknown[]): LogEvent[] {
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
    const shown =
      problems.length > limits.maxErrorDetails ? `; the first ${limits.maxErrorDetails} of ${problems.length} problems are listed` : '';
    throw new InvalidEventsError(
      `${new Set(problems.map((p) => p.index)).size} of ${items.length} event(s) are invalid; nothing was enqueued${shown}`,
      problems.slice(0, limits.maxErrorDetails),
    );
  }
  return events;
}

/** A record a decoder could not make into an event (e.g. an attribute key sent twice): refused by itself, with this reason. */
export class RefusedRecord {
  readonly reason: string;

  constructor(reason: string) {
    this.reason = reason;
  }
}

/** The records of a shipper's batch, sorted: those that pass every event rule, and why each other one does not. */
export interface SortedRecords {
  events: LogEvent[];
  rejected: ErrorDetail[];
}

/**
 * Checks each candidate alone, for the protocols whose answer can accept the valid records of a
 * batch and name the others (OTLP's partial success, a bulk answer's items). Every rule of
 * validateEvents applies, the size as the event travels included.
 */
export function sortRecords(items: unknown[]): SortedRecords {
  const events: LogEvent[] = [];
  const rejected: ErrorDetail[] = [];
  items.forEach((item, index) => {
    if (item instanceof RefusedRecord) {
      rejected.push({ index, message: item.reason });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
    if (bytes > limits.maxEventBytes) {
      rejected.push({ index, message: `record is ${bytes} bytes as an event; the limit is ${limits.maxEventBytes}` });
      return;
    }
    const result = eventSchema.safeParse(item);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const field = issue.path.map(String).join('.');
      rejected.push({ index, ...(field ? { path: field } : {}), message: issue.message });
      return;
    }
    const travelling = Buffer.byteLength(queueSafeJson(result.data), 'utf8');
    if (travelling > limits.maxEventBytes) {
      rejected.push({ index, message: `record is ${travelling} bytes as it travels; the limit is ${limits.maxEventBytes}` });
      return;
    }
    events.push(result.data);
  });
  return { events, rejected };
}
