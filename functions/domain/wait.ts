import { InvalidQueryError } from './errors.ts';
import { limits } from './limits.ts';

export interface WaitPreference {
  seconds: number;
  /** Where it came from: the answer says `Preference-Applied` for a Prefer header (RFC 7240). */
  from: 'query' | 'prefer';
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
