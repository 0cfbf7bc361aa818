import { readMemberByMember } from '../../../functions/domain/json.ts';
import { instantOf } from './checker.ts';
import type { SentEvent } from './history.ts';
import type { EventPlan, RequestPlan } from './plan.ts';

/**
 * The requests the simulator's and the chaos run's clients send: events drawn from small pools (so
 * that identities repeat within and across requests) with names from every plane of Unicode, every
 * timestamp precision and offset, payloads at the size and depth limits, and bodies of every kind
 * a client gets wrong.
 */
/**
 * What the simulation leaves out, for searching a release known to break on something (e.g. an old
 * one that answers 500 to U+FFFF): SIM_WITHOUT=awkward-chars,nanoseconds,bombs,ranges,call-faults,key-reuse.
 */
export const without = new Set((process.env.SIM_WITHOUT ?? '').split(',').filter(Boolean));

const topics = without.has('awkward-chars')
  ? ['auth.login', 'billing', 'app.error', 'web', 'queue', 't'.repeat(256)]
  : ['auth.login', 'ünïcödé 𝄞', 'a\uffffb', '"quoted"\\', ' padded ', 't'.repeat(256)];
const ids = without.has('awkward-chars')
  ? ['e0', 'e1', 'e2', 'e3', `long-${'y'.repeat(251)}`, 'e5', 'e6', 'e7']
  : ['e0', 'é1', '𝄞2', '\uffff3', `long-${'y'.repeat(251)}`, 'e5', 'e6', 'e7'];
const awkwardText = without.has('awkward-chars') ? 'plain text' : 'ü\uffff😀\ud800';
/**
 * Keys written with escapes, after look-alikes: once an object with the keys "h" and "\" is parsed,
 * V8's JSON.parse can read a later "h" and "\n" back as "h" and "\" (nodejs/node#63785).
 */
const awkwardKeys = (variant: number): Record<string, unknown> =>
  without.has('awkward-chars') ? {} : { keys: variant % 2 === 0 ? { h: [], '\\': 0 } : { h: 1, '\n': 2 } };

/** Seven spellings of an instant: precisions from none to nine digits, offsets, lower case. */
function spell(base: number, nanos: string, spelling: number): string {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  switch (without.has('nanoseconds') ? 0 : spelling % 8) {
    case 0:
      return `${iso(base)}.${nanos.slice(0, 3)}Z`;
    case 1:
      return `${iso(base)}.${nanos}Z`;
    case 2:
      return `${iso(base + 2 * 3600_000)}.${nanos}+02:00`;
    case 3:
      return `${iso(base)}Z`;
    case 4:
      return `${iso(base).replace('T', 't')}.${nanos.slice(0, 6)}z`;
    case 5:
      return `${iso(base - (5 * 60 + 45) * 60_000)}.${nanos.slice(0, 7)}-05:45`;
    case 6:
      return `${iso(base)}.${nanos.slice(0, 1)}Z`;
    default:
      return `${iso(base)}.${nanos}-00:00`;
  }
}

export function eventOf(plan: EventPlan): SentEvent {
  const base = Date.UTC(2026, 10, 22, 10, 0, 0) + plan.topic * 60_000 + plan.id * 1000;
  const nanos = String(123_456_789 + plan.id * 7 + plan.topic).padStart(9, '0');
  let payload: Record<string, unknown> = {
    v: plan.variant,
    n: plan.id,
    text: awkwardText,
    ...awkwardKeys(plan.id + plan.variant),
    ...(plan.fault ? { _idemlog_fault: plan.fault } : {}),
  };
  if (plan.heavy === 'big') payload.blob = 'x'.repeat(150_000);
  if (plan.heavy === 'deep') {
    let deep: Record<string, unknown> = { bottom: true };
    for (let level = 1; level < 32; level++) deep = { d: deep };
    payload = { ...payload, ...deep };
  }
  return {
    topic: topics[plan.topic % topics.length]!,
    // Past the pool (the chaos run's wide id space), plain ids.
    event_id: ids[plan.id] ?? `e${plan.id}`,
    timestamp: spell(base, nanos, plan.spelling),
    source: `src${plan.variant}`,
    payload,
  };
}

/** The body text of a request, and the events it carries (none when the body is not a list of events). */
export function bodyOf(request: RequestPlan, events: SentEvent[]): { text: string; events: SentEvent[] } {
  const shaped = (list: SentEvent[]) =>
    request.shape === 'single' && list.length === 1
      ? JSON.stringify(list[0])
      : request.shape === 'wrapped'
        ? JSON.stringify({ events: list })
        : JSON.stringify(list);
  const first = (change: (event: SentEvent) => SentEvent) => shaped(events.map((e, i) => (i === 0 ? change(e) : e)));
  let deep: unknown = 1;
  for (let level = 0; level < 40; level++) deep = [deep];
  const text = (() => {
    switch (request.invalid) {
      case 'malformed-json':
        return shaped(events).slice(0, -2);
      case 'unknown-field':
        return first((e) => ({ ...e, level: 'error' }));
      case 'bad-timestamp':
        return first((e) => ({ ...e, timestamp: without.has('nanoseconds') ? '2026-11-22 10:00:00Z' : '2026-11-22T10:00:00.1234567891Z' }));
      case 'blank-name':
        return first((e) => ({ ...e, topic: ' \u3000' }));
      case 'too-deep':
        return first((e) => ({ ...e, payload: { deep } }));
      case 'bomb':
        // A balanced payload 20,000 levels deep.
        return without.has('bombs')
          ? shaped(events)
          : JSON.stringify(events).replace(/"payload":\{/, `"payload":{"bomb":${'['.repeat(20_000)}${']'.repeat(20_000)},`);
      case 'repeated-key':
        return JSON.stringify(events).replace(/^\[\{/, '[{"k":1,"k":2,');
      case 'huge-number':
        return JSON.stringify(events).replace(/"payload":\{/, '"payload":{"big":12345678901234567890,');
      case 'empty':
        return '[]';
      default:
        return shaped(events);
    }
  })();
  // A bomb is recorded by what it is, not by its 20,000 levels (no history could be written otherwise).
  if (request.invalid === 'bomb' && !without.has('bombs'))
    return { text, events: events.map((e, i) => (i === 0 ? { ...e, payload: { bomb: '20,000 levels of []' } } : e)) };
  // The events as the body carries them (a release that accepts a body it should refuse stores these),
  // read member by member whatever the text: JSON.parse could rename their escaped keys (awkwardKeys).
  try {
    JSON.parse(text);
  } catch {
    return { text, events: [] };
  }
  const parsed = readMemberByMember(text);
  const list = Array.isArray(parsed)
    ? parsed
    : parsed !== null && typeof parsed === 'object' && 'events' in parsed
      ? (parsed as { events: unknown }).events
      : [parsed];
  return { text, events: Array.isArray(list) ? (list as SentEvent[]) : [] };
}

/** since and until on two of the events' own timestamps (as they were spelt), so that the bounds fall exactly on events. */
export function rangeQuery(events: SentEvent[], random: () => number): Record<string, string> {
  const times = events.map((e) => String(e.timestamp)).filter((t) => instantOf(t) !== undefined);
  const a = times[Math.floor(random() * times.length)]!;
  const b = times[Math.floor(random() * times.length)]!;
  const [since, until] = instantOf(a)!.nanos <= instantOf(b)!.nanos ? [a, b] : [b, a];
  return { since, until, limit: '2' };
}
