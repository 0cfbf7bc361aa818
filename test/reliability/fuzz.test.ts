import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../scripts/lib/random.ts';
import { drained, everyTopicCounts, stack } from '../support/api.ts';
import { expectTopicsSumToTotals } from '../support/load.ts';

// An end-to-end fuzz run over the deployed API. FUZZ_REQUESTS=100000 for a longer run.
const total = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const concurrency = 16;
const run = `fuzz${Date.now().toString(36)}`;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Topic of every event in the body, so that a rejected request can be shown to have stored nothing. */
  topic?: string;
  /** The events of a body that is a list of events, so that an accepted one's counts can be checked against them. */
  events?: Array<Record<string, unknown>>;
  /** Sent with an Idempotency-Key: the client then retries it, and tries the key with another body. */
  key?: string;
}

const random = seededRandom(Number(process.env.FUZZ_SEED ?? 20261122));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (max: number) => Math.floor(random() * max);

const nasty = [
  '',
  ' ',
  'a'.repeat(257),
  'x'.repeat(5000),
  '\u0000',
  'tab\there',
  'line\nbreak',
  '\u007f',
  '\u202e',
  'emoji 🚀🔥',
  'ünïcödé',
  '\ud800',
  '\udfff',
  '"quote"',
  "'; DROP TABLE events; --",
  '../../etc/passwd',
  '%00',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup string, sent as data
  '${jndi:ldap://x}',
  '<script>',
  '\uffff',
  'a\ufffeb',
  '𝄞'.repeat(128),
  '𝄞'.repeat(129),
  ' \u3000 ',
  '\u200b',
];
const nastyValues: unknown[] = [null, true, 0, -1, 1e308, -0, 1.5, [], {}, [1, 2], { a: 1 }, ...nasty];
const timestamps = [
  '2026-11-22T10:00:00Z',
  'not a date',
  '2026-13-01T00:00:00Z',
  '2026-02-30T10:00:00Z',
  '1732269600',
  '',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '2026-11-22T10:00:00',
  '+275760-09-13T00:00:00Z',
  '2026-11-22T10:00:00.123456789Z',
  '2026-11-22T10:00:00.1234567891Z',
  '2026-11-22t12:00:00.5+02:00',
  '2026-11-22T10:00:60Z',
  '0001-01-01T00:30:00+01:00',
];

/** Query-string encoding that, for a lone surrogate, sends its (invalid) UTF-8 bytes instead of throwing. */
const encode = (text: string) => (text.isWellFormed() ? encodeURIComponent(text) : '%ED%A0%80');

function deep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { d: value };
  return value;
}

function event(topic: string, n: number): Record<string, unknown> {
  const valid: Record<string, unknown> = { topic, event_id: `e${n}`, timestamp: '2026-11-22T10:00:00Z', source: 'fuzz', payload: { n } };
  const mutation = int(13);
  const field = pick(['topic', 'event_id', 'timestamp', 'source', 'payload']);
  switch (mutation) {
    case 0:
      delete valid[field];
      break;
    case 1:
      valid[field === 'topic' ? 'event_id' : field] = pick(nastyValues);
      break;
    case 2:
      valid.timestamp = pick(timestamps);
      break;
    case 3:
      valid.payload = deep(20 + int(40));
      break;
    case 7:
      // Strings SQS refuses raw, astral planes, and a long one: accepted, and read back as sent.
      valid.payload = { text: pick(nasty), long: 'ü'.repeat(int(60_000)), nonchar: '\uffff\ufffe' };
      break;
    case 4:
      valid.payload = pick(nastyValues);
      break;
    case 5:
      valid.source = pick(nasty);
      break;
    case 6:
      // Unknown top-level fields, typos of real ones among them: refused with 422, never dropped.
      valid[pick(['extra', 'level', 'message', 'paylaod', 'Topic', '__proto__'])] = pick(nastyValues);
      break;
    default:
      break; // stays valid: some requests must be accepted
  }
  return valid;
}

function publishRequest(n: number): FuzzRequest {
  const topic = `${run}.r${n}`;
  const headers = { 'content-type': 'application/json' };
  const events = Array.from({ length: 1 + int(5) }, (_, i) => event(topic, i));
  switch (int(18)) {
    case 0:
      return { method: 'POST', path: '/publish', headers, body: JSON.stringify(events).slice(0, int(200)), topic };
    case 1:
      return { method: 'POST', path: '/publish', headers, body: `${'['.repeat(20_000 + int(80_000))}${']'.repeat(int(2))}`, topic };
    case 2:
      return {
        method: 'POST',
        path: '/publish',
        headers,
        body: Uint8Array.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d, ...Buffer.from(JSON.stringify(events))]),
        topic,
      };
    case 3:
      return {
        method: 'POST',
        path: '/publish',
        headers: {
          'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']),
        },
        body: JSON.stringify(events),
        topic,
      };
    case 4:
      return { method: 'POST', path: '/publish', headers, body: JSON.stringify(pick(nastyValues)), topic };
    case 5:
      return { method: 'POST', path: '/publish', headers, body: JSON.stringify({ events: pick(nastyValues) }), topic };
    case 6:
      return {
        method: 'POST',
        path: '/publish',
        headers,
        body: JSON.stringify([event(topic, 0), { ...event(topic, 1), payload: { blob: 'z'.repeat(205 * 1024) } }]),
        topic,
      };
    case 7:
      return { method: 'POST', path: '/publish', headers, body: '', topic };
    case 8: {
      // Balanced bombs, in each body shape and inside a payload: 4xx, never a stack overflow.
      const depth = 20_000 + int(80_000);
      const bomb = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const body = pick([
        bomb,
        `{"events":${bomb}}`,
        JSON.stringify(event(topic, 0)).replace(/"payload":\{[^}]*\}/, `"payload":{"d":${bomb}}`),
      ]);
      return { method: 'POST', path: '/publish', headers, body, topic };
    }
    case 9: {
      // What JSON.parse would silently change: a repeated key, a number no double holds.
      const text = JSON.stringify(events);
      const body = pick([
        text.replace(/^\[\{/, '[{"k":1,"k":2,'),
        text.replace(/^\[\{/, '[{"n":12345678901234567890,'),
        text.replace(/^\[\{/, '[{"payload":{"a":1},"payload":{"a":1},'),
      ]);
      return { method: 'POST', path: '/publish', headers, body, topic };
    }
    default: {
      const keyed = random() < 0.3 ? `${run}-k${n}` : undefined;
      return {
        method: 'POST',
        path: '/publish',
        headers: keyed ? { ...headers, 'idempotency-key': keyed } : headers,
        body: JSON.stringify(random() < 0.5 ? events : { events }),
        topic,
        events,
        ...(keyed ? { key: keyed } : {}),
      };
    }
  }
}

function otherRequest(): FuzzRequest {
  const absurd = pick(['-1', '0', '1001', '99999999999999999999', 'NaN', 'abc', '1e3', ' 5', '5 ', '0x10', '', '%00', '1.5']);
  switch (int(5)) {
    case 0:
      return { method: pick(['PUT', 'DELETE', 'PATCH', 'GET']), path: '/publish', headers: {} };
    case 1:
      return { method: pick(['POST', 'PUT', 'DELETE']), path: pick(['/stats', '/events', '/health']), headers: {} };
    case 2: {
      const topic = encode(pick(nasty));
      const cursor = encode(
        pick([
          'garbage',
          Buffer.from(JSON.stringify(pick(nastyValues))).toString('base64url'),
          'eyJ0IjpudWxsLCJrIjoxLCJwIjpbXX0',
          'x'.repeat(3000),
        ]),
      );
      return { method: 'GET', path: `/events?limit=${encode(absurd)}&topic=${topic}&cursor=${cursor}`, headers: {} };
    }
    case 3:
      return { method: 'GET', path: `/events?limit=${encode(absurd)}&limit=2&topic=${encode(pick(nasty))}`, headers: {} };
    default:
      return {
        method: pick(['GET', 'POST']),
        path: pick(['/nope', '/publish/extra', '/stats/', '/publish%2Fextra', `/${'p'.repeat(2000)}`, '/events/1', '/_aws']),
        headers: {},
      };
  }
}

describe(`fuzz: ${total} generated requests against the deployed API`, () => {
  it('never answers 5xx, explains every rejection in JSON, stores nothing rejected, counts exactly what was accepted', async () => {
    const requests = Array.from({ length: total }, (_, n) => (random() < 0.7 ? publishRequest(n) : otherRequest()));
    const statuses: Record<number, number> = {};
    const serverErrors: string[] = [];
    const badBodies: string[] = [];
    const rejectedTopics = new Set<string>();
    const acceptedTopics = new Set<string>();
    /** The events each topic was accepted with (a replay under the same key adds nothing). */
    const acceptedEvents = new Map<string, Array<Record<string, unknown>>>();
    const keyProblems: string[] = [];
    let next = 0;
    const started = performance.now();

    const client = async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        // Mostly the stack's key; now and then none, or a wrong one: the gateway's refusal must be JSON too.
        const key = pick(['valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'none', 'wrong']);
        const keyHeader =
          key === 'valid' ? { 'x-api-key': stack.apiKey } : key === 'wrong' ? { 'x-api-key': 'not-a-key-of-this-api-0000' } : {};
        const response = await fetch(`${stack.apiUrl}${request.path}`, {
          method: request.method,
          headers: { ...keyHeader, ...request.headers },
          body: request.body,
        });
        const text = await response.text();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status >= 500)
          serverErrors.push(`${response.status} ${request.method} ${request.path.slice(0, 80)}: ${text.slice(0, 200)}`);
        if (response.status >= 400) {
          let body: any;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const explained = body && typeof body.error === 'string' && typeof body.message === 'string' && Array.isArray(body.details);
          if (!explained) badBodies.push(`${response.status} ${request.method} ${request.path.slice(0, 80)}: ${text.slice(0, 120)}`);
          if (request.topic) rejectedTopics.add(request.topic);
        } else if (request.topic && response.status === 202) {
          acceptedTopics.add(request.topic);
          if (request.events) acceptedEvents.set(request.topic, request.events);
        }
        if (request.key && key === 'valid') await retryKeyed(request, response.status);
      }
    };

    /** A client that sent with a key retries the same body (as after a lost answer) and reuses the key for another. */
    const retryKeyed = async (request: FuzzRequest, first: number) => {
      const send = (body: string) =>
        fetch(`${stack.apiUrl}${request.path}`, { method: 'POST', headers: { 'x-api-key': stack.apiKey, ...request.headers }, body });
      const again = await send(request.body as string);
      statuses[again.status] = (statuses[again.status] ?? 0) + 1;
      const replayed = again.headers.get('idempotent-replayed') === 'true';
      if (first === 202 && !(again.status === 409 || (again.status === 202 && replayed)))
        keyProblems.push(`retry of ${request.key}: ${again.status}, replayed ${replayed}`);
      if (first >= 400 && first < 500 && again.status !== first)
        keyProblems.push(`retry of refused ${request.key}: ${first} then ${again.status}`);
      const other = await send(JSON.stringify([...(request.events ?? []), event(`${request.topic}.other`, 99)]));
      statuses[other.status] = (statuses[other.status] ?? 0) + 1;
      if (other.status >= 500) serverErrors.push(`${other.status} other body under ${request.key}`);
      if (first === 202 && ![409, 422].includes(other.status)) keyProblems.push(`another body under ${request.key}: ${other.status}`);
      if (other.status === 202 && request.topic) {
        acceptedTopics.add(`${request.topic}.other`);
        acceptedEvents.delete(request.topic);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    const seconds = (performance.now() - started) / 1000;
    console.log(`fuzz: ${total} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(statuses)}`);

    expect(serverErrors.slice(0, 10)).toEqual([]);
    expect(badBodies.slice(0, 10)).toEqual([]);
    expect(keyProblems.slice(0, 10)).toEqual([]);
    expect(acceptedTopics.size).toBeGreaterThan(0);
    expect(rejectedTopics.size).toBeGreaterThan(total / 4);

    await drained(300_000);
    const everyTopic = await everyTopicCounts();
    const storedFromRejected = [...rejectedTopics].filter((topic) => everyTopic[topic]);
    expect(storedFromRejected).toEqual([]);
    const byTopic = new Map(requests.map((request) => [request.topic, request]));
    const missing = [...acceptedTopics].filter((topic) => !everyTopic[topic]);
    expect(
      missing.map((topic) => {
        const request = byTopic.get(topic.replace(/\.other$/, ''));
        return `${topic}: ${JSON.stringify(request?.headers)} ${String(request?.body).slice(0, 300)}`;
      }),
    ).toEqual([]);
    // Each topic belongs to one request: counted exactly as that request's events, retries and replays adding nothing.
    const miscounted = [...acceptedEvents].flatMap(([topic, events]) => {
      const distinct = new Set(events.map((e) => e.event_id)).size;
      const expected = { received: events.length, unique_processed: distinct, duplicate_dropped: events.length - distinct };
      return JSON.stringify(everyTopic[topic]) === JSON.stringify(expected)
        ? []
        : [`${topic}: ${JSON.stringify(everyTopic[topic])}, sent ${JSON.stringify(expected)}`];
    });
    expect(miscounted.slice(0, 10)).toEqual([]);
    await expectTopicsSumToTotals(expect);
  });
});
