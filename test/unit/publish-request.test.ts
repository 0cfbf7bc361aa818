import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors.ts';
import { limits } from '../../functions/domain/limits.ts';
import { decodePublishRequest } from '../../functions/edge/publish-http.ts';
import { toErrorReply } from '../../functions/shared/http.ts';
import { makeEvent } from '../support/events.ts';

const parse = (body: unknown, contentType = 'application/json') =>
  decodePublishRequest({ body: typeof body === 'string' ? body : JSON.stringify(body), contentType }).events;

/** The error a request is refused with, and the status the one HTTP mapping gives it. */
function rejection(body: unknown, contentType?: string): DomainError & { status: number } {
  try {
    parse(body, contentType);
  } catch (error) {
    if (error instanceof DomainError) return Object.assign(error, { status: toErrorReply(error).status });
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('decodePublishRequest', () => {
  it('accepts one event, an array, or {"events": [...]}', () => {
    const event = makeEvent();
    expect(parse(event)).toHaveLength(1);
    expect(parse([event, event])).toHaveLength(2);
    expect(parse({ events: [event, event, event] })).toHaveLength(3);
  });

  it('normalises the timestamp to UTC and defaults payload to {}', () => {
    const { payload, ...withoutPayload } = makeEvent({ timestamp: '2026-11-22T12:30:00+02:00' });
    const [event] = parse(withoutPayload);
    expect(event).toMatchObject({ timestamp: '2026-11-22T10:30:00Z', payload: {} });
    expect(payload).toBeDefined();
  });

  it('keeps payload keys named like Object.prototype members, such as __proto__', () => {
    const payloadText = '{"__proto__":{"polluted":true},"constructor":{"prototype":1},"toString":"x"}';
    const body = `{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","payload":${payloadText}}`;
    const [event] = parse(body);
    expect(JSON.stringify(event!.payload)).toBe(payloadText);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['topic', 'event_id', 'timestamp', 'source'])('rejects an event without %s, naming the field', (field) => {
    const event: Record<string, unknown> = { ...makeEvent() };
    delete event[field];
    const error = rejection([makeEvent(), event]);
    expect(error.status).toBe(422);
    expect(error.details).toContainEqual(expect.objectContaining({ index: 1, path: `events[1].${field}` }));
  });

  it.each([
    ['topic', 42],
    ['event_id', ['a']],
    ['source', null],
    ['timestamp', 1732269600],
    ['payload', 'text'],
    ['payload', [1, 2]],
    ['topic', ''],
    ['topic', 'x'.repeat(257)],
    ['source', 'line\nbreak'],
    ['event_id', '\ud800'],
    ['timestamp', '2026-13-45T99:00:00Z'],
    ['timestamp', 'yesterday'],
    ['timestamp', '2026-11-22T10:00:00'],
  ])('rejects %s = %j with 422', (field, value) => {
    const error = rejection(makeEvent({ [field]: value } as never));
    expect(error.status).toBe(422);
    expect(error.details[0]).toMatchObject({ index: 0, path: `events[0].${field}` });
  });

  it('lists every problem of every event', () => {
    const error = rejection([{ topic: 1 }, makeEvent(), { event_id: 'x' }]);
    const indexes = new Set(error.details.map((d) => d.index));
    expect(indexes).toEqual(new Set([0, 2]));
    expect(error.details.length).toBeGreaterThanOrEqual(7);
  });

  it('rejects malformed JSON with 400 and an empty body with 400', () => {
    expect(rejection('{"topic": ').status).toBe(400);
    expect(rejection('').status).toBe(400);
  });

  it('rejects an empty batch, null and scalars with 422', () => {
    expect(rejection([]).status).toBe(422);
    expect(rejection({ events: [] }).status).toBe(422);
    expect(rejection({ events: 'nope' }).status).toBe(422);
    expect(rejection('null').status).toBe(422);
    expect(rejection('"text"').status).toBe(422);
  });

  it('rejects an oversize batch or body with 413 (an oversize event is refused by publish, on what travels)', () => {
    expect(rejection(Array.from({ length: limits.maxEventsPerRequest + 1 }, () => makeEvent())).status).toBe(413);
    expect(rejection(' '.repeat(limits.maxBodyBytes + 1)).status).toBe(413);
  });

  it('rejects payloads nested deeper than the cap', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < limits.maxPayloadDepth + 2; i++) deep = { d: deep };
    expect(rejection(makeEvent({ payload: deep })).status).toBe(422);
  });

  it('rejects non-JSON content types with 415 but accepts +json and charset variants', () => {
    expect(rejection(makeEvent(), 'text/plain').status).toBe(415);
    expect(parse(makeEvent(), 'application/json; charset=utf-8')).toHaveLength(1);
    expect(parse(makeEvent(), 'application/vnd.idemlog+json')).toHaveLength(1);
  });

  it('decodes base64 bodies and rejects invalid UTF-8', () => {
    const body = Buffer.from(JSON.stringify(makeEvent())).toString('base64');
    expect(decodePublishRequest({ body, isBase64Encoded: true }).events).toHaveLength(1);
    const invalid = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64');
    expect(() => decodePublishRequest({ body: invalid, isBase64Encoded: true })).toThrow(/UTF-8/);
  });
});

describe('unknown fields', () => {
  it('refuses each unknown top-level field by name with 422, saying where extra data belongs', () => {
    const error = rejection([makeEvent(), { ...makeEvent(), level: 'error', message: 'disk full', paylaod: { a: 1 } }]);
    expect(error.status).toBe(422);
    expect(error.details).toEqual([
      { index: 1, path: 'events[1].level', message: 'unknown field; extra data belongs under payload' },
      { index: 1, path: 'events[1].message', message: 'unknown field; extra data belongs under payload' },
      { index: 1, path: 'events[1].paylaod', message: 'unknown field; extra data belongs under payload' },
    ]);
  });

  it('refuses fields beside "events" in the wrapper form', () => {
    const error = rejection({ events: [makeEvent()], extra: true });
    expect(error.status).toBe(422);
    expect(error.details).toEqual([expect.objectContaining({ path: 'extra' })]);
  });

  it('still accepts every field that is valid today, and any key inside payload', () => {
    const [event] = parse({ ...makeEvent(), payload: { level: 'error', message: 'disk full', nested: { anything: [1, 'two'] } } });
    expect(event!.payload).toEqual({ level: 'error', message: 'disk full', nested: { anything: [1, 'two'] } });
  });
});

describe('bodies that JSON.parse would read back changed, or that nest without end', () => {
  const eventText = (payload: string) =>
    `{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","payload":${payload}}`;

  it.each([20_000, 100_000])('answers 422 for a balanced body nested %i deep, in every body shape', (depth) => {
    for (const body of [`${'['.repeat(depth)}${']'.repeat(depth)}`, `{"events":${'['.repeat(depth)}${']'.repeat(depth)}}`]) {
      const error = rejection(body);
      expect(error.status).toBe(422);
      expect(error.details[0]!.message).toMatch(/nests deeper than/);
    }
    const payload = rejection(eventText(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
    expect(payload.status).toBe(422);
    expect(payload.details[0]).toMatchObject({ index: 0, path: 'events[0].payload.a.a.a…' });
  });

  it('refuses a key that appears twice in one object, naming it', () => {
    const error = rejection(`[${eventText('{"a":1,"b":{"c":1,"\\u0063":2},"a":3}')}]`);
    expect(error.status).toBe(422);
    expect(error.details.map((d) => d.path)).toEqual(['events[0].payload.b.c', 'events[0].payload.a']);
    expect(rejection(`{"topic":"t","topic":"u","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s"}`).details[0]).toMatchObject({
      index: 0,
      path: 'events[0].topic',
    });
  });

  it('refuses a key repeated among many, however many keys the object has', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    for (const [at, repeated] of [
      [5, 2],
      [20, 3],
      [39, 30],
    ] as const) {
      const members = [...keys.slice(0, at), `"k${repeated}":0`, ...keys.slice(at)];
      const error = rejection(eventText(`{${members.join(',')}}`));
      expect(error.details).toEqual([expect.objectContaining({ path: `events[0].payload.k${repeated}` })]);
    }
    expect(parse(eventText(`{${keys.join(',')}}`))[0]!.payload.k39).toBe(39);
  });

  it('keeps exactly the numbers whose digits read back as written, and refuses the others', () => {
    // The rule by its definition: the literal's significant digits and exponent survive a double.
    const decimal = (literal: string) => {
      const [, whole = '', fraction = '', power = '0'] = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(literal)!;
      const all = whole + fraction;
      const leading = all.length - all.replace(/^0+/, '').length;
      return { digits: all.slice(leading).replace(/0+$/, ''), exponent: whole.length - leading - 1 + Number(power) };
    };
    const survives = (literal: string) => {
      const value = Number(literal);
      if (!Number.isFinite(value)) return false;
      const [written, read] = [decimal(literal), decimal(String(value).replace('e+', 'e'))];
      return read.digits === written.digits && (written.digits === '' || read.exponent === written.exponent);
    };
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    const literal = fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          digits(1, 1)
            .filter((d) => d !== '0')
            .chain((d) => digits(0, 24).map((r) => d + r)),
        ),
        fc.option(digits(1, 24)),
        fc.option(fc.integer({ min: -400, max: 400 })),
      )
      .map(
        ([negative, whole, fraction, exponent]) =>
          `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`,
      );
    fc.assert(
      fc.property(literal, (number) => {
        const body = eventText(`{"n":${number}}`);
        if (survives(number)) expect(parse(body)[0]!.payload.n).toBe(Number(number));
        else expect(rejection(body).details[0]).toMatchObject({ path: 'events[0].payload.n' });
      }),
      { numRuns: 3000 },
    );
  });

  it.each(['12345678901234567890', '1e400', '-1e400', '1e-400', '0.1000000000000000000001', '9007199254740993'])(
    'refuses the number %s, which a double cannot hold, naming where it is',
    (number) => {
      const error = rejection(eventText(`{"n":[1,${number}]}`));
      expect(error.status).toBe(422);
      expect(error.details[0]).toMatchObject({ path: 'events[0].payload.n[1]', message: expect.stringMatching(/send it as a string/) });
    },
  );

  it.each([
    '0',
    '-0',
    '1.50',
    '1E2',
    '0.1',
    '1.7976931348623157e308',
    '5e-324',
    '123456789012345',
    '9007199254740992',
    '2.5e-10',
    '100e-2',
  ])('keeps the number %s, which reads back as the same number', (number) => {
    const [event] = parse(eventText(`{"n":${number}}`));
    expect(event!.payload.n).toBe(Number(number));
  });
});

describe('timestamps, kept to the digit', () => {
  it.each([
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00Z'],
    ['2026-11-22T10:00:00.1Z', '2026-11-22T10:00:00.1Z'],
    ['2026-11-22T10:00:00.100Z', '2026-11-22T10:00:00.100Z'],
    ['2026-11-22T10:00:00.123456789Z', '2026-11-22T10:00:00.123456789Z'],
    ['2026-11-22t10:00:00.5z', '2026-11-22T10:00:00.5Z'],
    ['2026-11-22T12:00:00.000000001+02:00', '2026-11-22T10:00:00.000000001Z'],
    ['2026-11-22T00:30:00-05:45', '2026-11-22T06:15:00Z'],
    ['2024-02-29T23:59:59.999999999-00:00', '2024-02-29T23:59:59.999999999Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00Z'],
    ['2026-11-22t10:00:00Z', '2026-11-22T10:00:00Z'],
    ['0000-12-31T23:30:00-01:00', '0001-01-01T00:30:00Z'],
    ['9999-12-31T23:59:59.999999999z', '9999-12-31T23:59:59.999999999Z'],
  ])('reads %s as %s', (sent, stored) => {
    expect(parse(makeEvent({ timestamp: sent }))[0]!.timestamp).toBe(stored);
  });

  it.each([
    '2026-11-22T10:00:00.1234567891Z',
    '2026-11-22T10:00:60Z',
    '2025-02-29T10:00:00Z',
    '2026-11-22 10:00:00Z',
    '2026-11-22T10:00:00+24:00',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:00:00-01:00',
    '0000-12-31T23:59:59Z',
    '0000-12-31T23:59:59.999999999z',
    '2026-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-11-22T10:00:00.Z',
    '+002026-11-22T10:00:00Z',
  ])('refuses %s with 422 naming the field', (sent) => {
    const error = rejection(makeEvent({ timestamp: sent }));
    expect(error.status).toBe(422);
    expect(error.details[0]).toMatchObject({ path: 'events[0].timestamp' });
  });
});

describe('answers that stay small whatever the body', () => {
  it('refuses with 413, before walking it, an event of millions of tiny values', () => {
    const zeros = `{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","payload":{"a":[${'0,'.repeat(2_500_000)}0]}}`;
    const started = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    expect(rejection(zeros).status).toBe(413);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
  });

  it('lists at most 100 problems, however many the body has, and says how many there were', () => {
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`extra${i}`, 0]));
    const error = rejection(Array.from({ length: limits.maxEventsPerRequest }, () => ({ ...makeEvent(), ...fields })));
    expect(error.status).toBe(422);
    expect(error.details).toHaveLength(limits.maxErrorDetails);
    expect(error.message).toMatch(/the first 100 of 100000 problems/);
    // And one event with more unknown fields than fit its size: 413, one detail.
    const wide = rejection({ ...makeEvent(), ...Object.fromEntries(Array.from({ length: 72_000 }, (_, i) => [String(i), 0])) });
    expect([wide.status, wide.details.length]).toEqual([413, 1]);
  });
});

describe('names', () => {
  it.each([' ', '\t', '\u3000', ' \u00a0 ', '\u200b', '\ufeff', '\u3164', '\u2800', '\u034f', '\ufe0f', '\u00ad'])(
    'refuses a blank topic, event_id or source (%j)',
    (blank) => {
      for (const field of ['topic', 'event_id', 'source']) {
        const error = rejection(makeEvent({ [field]: blank }));
        expect(error.status, field).toBe(422);
        expect(error.details[0]).toMatchObject({ path: `events[0].${field}` });
      }
    },
  );

  it('keeps names at the limit in the astral planes, and with a noncharacter', () => {
    const astral = '𝄞'.repeat(limits.maxFieldChars / 2);
    const [event] = parse(makeEvent({ topic: astral, event_id: ` padded \uffff`, source: 'é'.repeat(limits.maxFieldChars) }));
    expect(event).toMatchObject({ topic: astral, event_id: ' padded \uffff' });
    expect(rejection(makeEvent({ topic: `${astral}x` })).status).toBe(422);
  });
});
