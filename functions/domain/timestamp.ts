/**
 * RFC 3339 date-times, kept to the digit. A timestamp is normalised to UTC (`Z`, upper-case `T`)
 * and keeps exactly the fractional digits the client sent, up to nine (nanoseconds, as OTLP and
 * Loki send them): nothing is added, nothing truncated. Ordering uses the sortable form, the same
 * instant with the fraction padded to nine digits, so `.1Z`, `.10Z` and `.100000000Z` sort together
 * and `.123Z` sorts before `.123456789Z`.
 */
export const maxFractionDigits = 9;

export interface Timestamp {
  /** As stored and returned: UTC, the client's fractional digits. */
  text: string;
  /** Fixed width, so that string order is time order: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`. */
  sortable: string;
}

export type TimestampResult = { ok: true; value: Timestamp } | { ok: false; problem: string };

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export const timestampRule =
  'must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T10:00:00Z or 2026-11-22T12:00:00.123456789+02:00';

const daysIn = (year: number, month: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31;

const pad = (value: number, width: number) => String(value).padStart(width, '0');

export function parseTimestamp(text: string): TimestampResult {
  const match = rfc3339.exec(text);
  if (!match) return { ok: false, problem: timestampRule };
  // Field by field, without the arrays a slice and a map would allocate: every published event passes here.
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  const fraction = match[7] ?? '';
  if (fraction.length > maxFractionDigits) {
    return { ok: false, problem: `must have at most ${maxFractionDigits} fractional digits (nanoseconds); it has ${fraction.length}` };
  }
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, problem: 'must be a real date and time (leap seconds are not accepted)' };
  }
  if (offsetHours > 23 || offsetMinutes > 59) return { ok: false, problem: 'must have a time zone offset between -23:59 and +23:59' };
  // Already in UTC (what nearly every shipper sends): the fields are the answer, in their fixed widths.
  if (match[8] !== undefined) {
    if (year < 1) return { ok: false, problem: outOfRange };
    return accepted(text[10] === 'T' ? text.slice(0, 19) : `${text.slice(0, 10)}T${text.slice(11, 19)}`, fraction);
  }
  const offset = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offset, second, 0);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return { ok: false, problem: outOfRange };
  const seconds = `${pad(utcYear, 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}T${pad(utc.getUTCHours(), 2)}:${pad(utc.getUTCMinutes(), 2)}:${pad(utc.getUTCSeconds(), 2)}`;
  return accepted(seconds, fraction);
}

const outOfRange = 'must fall between years 0001 and 9999 in UTC';

/** A timestamp from its UTC date and time to the second (`YYYY-MM-DDTHH:MM:SS`) and the client's fractional digits. */
const accepted = (seconds: string, fraction: string): TimestampResult => ({
  ok: true,
  value: {
    text: `${seconds}${fraction ? `.${fraction}` : ''}Z`,
    sortable: `${seconds}.${fraction.padEnd(maxFractionDigits, '0')}Z`,
  },
});

/** The sortable form of a timestamp parseTimestamp has already normalised (as stored): the fraction padded to nine digits. */
export function sortableOf(normalised: string): string {
  const fraction = normalised[19] === '.' ? normalised.slice(20, -1) : '';
  return `${normalised.slice(0, 19)}.${fraction.padEnd(maxFractionDigits, '0')}Z`;
}
