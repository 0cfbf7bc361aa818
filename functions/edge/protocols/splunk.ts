import { MalformedBodyError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { parseStrictJson } from '../json-text.ts';
import { utf8Of } from '../publish-http.ts';
import { candidateOf, nanosOfSeconds, present, receivedAt, timestampOfNanos } from './shipped.ts';

/**
 * Splunk's HTTP Event Collector (`POST /services/collector/event`, also `/services/collector`):
 * JSON events one after another. Each becomes one event:
 *   topic      `sourcetype`, else `index`, else `splunk`
 *   source     `host`, else `source`, else `splunk`
 *   timestamp  `time` (epoch seconds, fraction kept to the nanosecond), else the receive time
 *   event_id   `splunk:` and a hash of the event as sent (event, time, host, source, sourcetype, index, fields)
 *   payload    event, fields, host, source, sourcetype, index
 * HEC takes a request whole or not at all: one bad event refuses it, naming which.
 */
export function hecRecords(bytes: Uint8Array, now = Date.now()): Record<string, unknown>[] {
  const texts = splitConcatenated(utf8Of(bytes));
  if (texts.length === 0) throw new HecError(5, 'No data');
  return texts.map((text, i) => {
    const parsed = parseStrictJson(text, limits.maxDocumentDepth);
    if (!parsed.ok || parsed.problems.length > 0) throw new HecError(6, 'Invalid data format', i);
    const hec = parsed.value as Record<string, unknown>;
    if (hec === null || typeof hec !== 'object' || Array.isArray(hec) || !('event' in hec))
      throw new HecError(12, 'Event field is required', i);
    if (hec.event === null || hec.event === '') throw new HecError(13, 'Event field cannot be blank', i);
    const time = hec.time === undefined || hec.time === null ? undefined : nanosOfSeconds(hec.time);
    if (hec.time !== undefined && hec.time !== null && time === undefined) throw new HecError(6, 'Invalid data format', i);
    // The event as sent, empty or not.
    const payload = {
      event: hec.event,
      ...present({
        fields: hec.fields,
        host: hec.host,
        source: hec.source,
        sourcetype: hec.sourcetype,
        index: hec.index,
      }),
    };
    const name = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    return candidateOf('splunk', {
      topic: name(hec.sourcetype) ?? name(hec.index) ?? 'splunk',
      source: name(hec.host) ?? name(hec.source) ?? 'splunk',
      timestamp: time === undefined ? receivedAt(now) : timestampOfNanos(time),
      payload,
      content: { ...payload, time: time?.toString() ?? null },
    });
  });
}

/** HEC's own error codes (Splunk docs, "Troubleshoot HTTP Event Collector"). */
export class HecError extends MalformedBodyError {
  readonly code: number;
  readonly text: string;
  readonly invalidEventNumber: number | undefined;

  constructor(code: number, text: string, invalidEventNumber?: number) {
    super(`${text}${invalidEventNumber === undefined ? '' : ` (event ${invalidEventNumber})`}`);
    this.code = code;
    this.text = text;
    this.invalidEventNumber = invalidEventNumber;
  }
}

/** Splits `{...}{...} {...}` into each value's text, scanning strings so braces inside them do not count. */
export function splitConcatenated(text: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      // A string is part of a value, never one on its own.
      if (depth === 0) throw new HecError(6, 'Invalid data format', values.length);
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) throw new HecError(6, 'Invalid data format', values.length);
      if (depth === 0) values.push(text.slice(start, i + 1));
    } else if (depth === 0 && !/\s/.test(c!)) throw new HecError(6, 'Invalid data format', values.length);
  }
  if (depth !== 0 || inString) throw new HecError(6, 'Invalid data format', values.length);
  return values;
}
