import { z } from 'zod';
import { limits } from './limits.ts';

const CONTROL_CHARS = /\p{Cc}/u;

const name = z
  .string()
  .min(1, 'must not be empty')
  .max(limits.maxFieldChars, `must be at most ${limits.maxFieldChars} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
  .refine((s) => s.isWellFormed(), 'must be valid Unicode (no lone surrogates)');

const timestamp = z.iso
  .datetime({ offset: true, message: 'must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T10:00:00Z' })
  .transform((value, ctx) => {
    const date = new Date(value);
    const year = date.getUTCFullYear();
    if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
      ctx.addIssue({ code: 'custom', message: 'must be a real date between years 0001 and 9999' });
      return z.NEVER;
    }
    return date.toISOString();
  });

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checked in place rather than rebuilt: z.record copies the object by assignment, and a key
 * named `__proto__` would be swallowed by the copy, so an accepted payload would not round-trip.
 */
const payload = z
  .custom<Record<string, unknown>>(isPlainObject, { error: 'must be a JSON object' })
  .refine((value) => depthOf(value) <= limits.maxPayloadDepth, `must nest at most ${limits.maxPayloadDepth} levels deep`)
  .meta({ override: { type: 'object', description: `Any JSON object, nested at most ${limits.maxPayloadDepth} levels.` } });

export const unknownFieldMessage = 'unknown field; extra data belongs under payload';

/** The rules publish applies. Unknown top-level fields are refused, never dropped. */
export const eventSchema = z
  .strictObject(
    {
      topic: name,
      event_id: name,
      timestamp,
      source: name,
      payload: payload.default({}),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFieldMessage : undefined) },
  )
  .meta({ id: 'Event', description: 'A log event. Its identity is (topic, event_id); extra data belongs under payload.' });

/** A validated event, timestamp normalised to UTC. Its identity is (topic, event_id). */
export type LogEvent = z.output<typeof eventSchema>;

/**
 * The shape of an event publish has already accepted, as any release of publish wrote it. The
 * consumer checks only this structure, never today's rules: a release that tightens a rule must
 * not refuse events that were answered 202 under the old one.
 */
export const acceptedEventSchema = z.object({
  topic: z.string(),
  event_id: z.string(),
  timestamp: z.string(),
  source: z.string(),
  payload: z.custom<Record<string, unknown>>(isPlainObject, { error: 'must be a JSON object' }),
});

/** An event as /events returns it. */
export type { StoredEvent } from './api-schemas.ts';

export type EventIdentity = Pick<LogEvent, 'topic' | 'event_id'>;

/** The identity (topic, event_id) as one string; also the events table's key. */
export const eventKey = (event: EventIdentity): string => JSON.stringify([event.topic, event.event_id]);

/** Depth of nested objects and arrays, iteratively so that a hostile document cannot overflow the stack. */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limits.maxPayloadDepth) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}
