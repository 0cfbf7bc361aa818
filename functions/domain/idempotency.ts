import { createHash } from 'node:crypto';
import { InvalidHeaderError } from './errors.ts';
import type { LogEvent } from './event.ts';
import { limits } from './limits.ts';

/**
 * What runs work at most once per key: the same key with the same fingerprint gets the first
 * answer again (replayed), another fingerprint is refused, and a second request while the first
 * is in flight is refused too.
 */
export interface IdempotencyGuard {
  once<T extends object>(key: string, fingerprint: string, work: () => Promise<T>): Promise<{ value: T; replayed: boolean }>;
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

/** The key as the guard stores it: scoped to the caller (its API key), so two callers never collide. */
export const scopedKey = (caller: string, key: string) => `${caller}\n${key}`;

/** What the same request carries each time: its events, as validated (so whitespace or key order do not matter). */
export const fingerprintOf = (events: LogEvent[]) => createHash('sha256').update(JSON.stringify(events)).digest('base64url');

/**
 * The request id of an idempotent request, derived from its scoped key. A retry after an unknown
 * outcome therefore enqueues messages with the same delivery ids as the first attempt, and the
 * consumer's markers recognise them even if the guard's record has expired.
 */
export function requestIdFor(scoped: string): string {
  const hex = createHash('sha256').update(scoped).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
