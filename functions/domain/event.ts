import { z } from 'zod';
import { limits } from './limits.ts';
import { parseTimestamp, timestampRule } from './timestamp.ts';

const CONTROL_CHARS = /\p{Cc}/u;
/** Only whitespace, invisible (default-ignorable or formatting) or blank characters: a name nobody meant to send. */
const BLANK = /^[\s\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]+$/u;

const name = z
  .string()
  .min(1, 'must not be empty')
  // In UTF-16 code units, as JavaScript counts length (zod's max counts code points): the bound that keeps keys within DynamoDB's limits.
  .refine((s) => s.length <= limits.maxFieldChars, `must be at most ${limits.maxFieldChars} characters (UTF-16 code units)`)
  .refine((s) => !BLANK.test(s), 'must not be blank (only whitespace or invisible characters)')
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
  .refine((s) => s.isWellFormed(), 'must be valid Unicode (no lone surrogates)');

/** A topic or source as a query names it: what an event's name may be, so that nothing else reaches a key condition. */
export const nameParameter = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => s.length <= limits.maxFieldChars, `must be at most ${limits.maxFieldChars} characters`)
  // No name holds one; the counters' sort keys use U+0001 and U+0002 as separators.
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
  .refine((s) => s.isWellFormed(), 'must be valid Unicode (no lone surrogates)');

/** Normalised to UTC with every fractional digit the client sent (see timestamp.ts). */
const timestamp = z
  .string({ error: timestampRule })
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if (parsed.ok) return parsed.value.text;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  })
  .meta({ override: { type: 'string', format: 'date-time', description: 'RFC 3339, up to nine fractional digits.' } });

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
 * The shape of an event publish has already accepted. The consumer checks only this structure,
 * never today's rules: a release that tightens a rule must not refuse events that were answered
 * 2xx under the old one.
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
