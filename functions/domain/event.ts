import { z } from 'zod';
import { limits } from './limits.ts';
import { parseTimestamp, timestampRule } from './timestamp.ts';

const CONTROL_CHARS = /\p{Cc}/u;
/** Only whitespace, invisible (default-ignorable or formatting) or blank characters: a name nobody meant to send. */
const BLANK = /^[\s\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]+$/u;

/**
 * A name's rules, in one check that reports every rule the name breaks: each event has three
 * names, and zod pays for every check it runs.
 */
const name = z
  .string()
  .min(1, 'must not be empty')
  .check((payload) => {
    const s = payload.value;
    // In UTF-16 code units, as JavaScript counts length (zod's max counts code points): the bound that keeps keys within DynamoDB's limits.
    if (s.length > limits.maxFieldChars) broken(payload, `must be at most ${limits.maxFieldChars} characters (UTF-16 code units)`);
    if (BLANK.test(s)) broken(payload, 'must not be blank (only whitespace or invisible characters)');
    if (CONTROL_CHARS.test(s)) broken(payload, 'must not contain control characters');
    if (!s.isWellFormed()) broken(payload, 'must be valid Unicode (no lone surrogates)');
  });

/** Reports a broken rule as a refine would, letting the other rules be checked too. */
function broken(payload: z.core.ParsePayload<string>, message: string): void {
  payload.issues.push({ code: 'custom', message, input: payload.value, continue: true });
}

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
  .refine((value) => !nestsDeeperThan(value, limits.maxPayloadDepth), `must nest at most ${limits.maxPayloadDepth} levels deep`)
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

/**
 * Whether a value nests deeper than `limit` levels of objects and arrays. Recursion stops one level
 * past the limit, so a hostile document nested however deep costs at most that many frames.
 */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  for (const key in value) if (nestsDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}
