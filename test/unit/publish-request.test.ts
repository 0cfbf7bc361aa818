import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors.ts';
import { limits } from '../../functions/domain/limits.ts';
import { parsePublishRequest } from '../../functions/domain/publish-request.ts';
import { toErrorReply } from '../../functions/shared/http.ts';
import { makeEvent } from '../support/events.ts';

const parse = (body: unknown, contentType = 'application/json') =>
  parsePublishRequest({ body: typeof body === 'string' ? body : JSON.stringify(body), contentType }).events;

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

describe('parsePublishRequest', () => {
  it('accepts one event, an array, or {"events": [...]}', () => {
    const event = makeEvent();
    expect(parse(event)).toHaveLength(1);
    expect(parse([event, event])).toHaveLength(2);
    expect(parse({ events: [event, event, event] })).toHaveLength(3);
  });

  it('normalises the timestamp to UTC and defaults payload to {}', () => {
    const { payload, ...withoutPayload } = makeEvent({ timestamp: '2026-11-22T12:30:00+02:00' });
    const [event] = parse(withoutPayload);
    expect(event).toMatchObject({ timestamp: '2026-11-22T10:30:00.000Z', payload: {} });
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

  it('rejects an oversize event, batch or body with 413', () => {
    expect(rejection(makeEvent({ payload: { blob: 'x'.repeat(limits.maxEventBytes) } })).status).toBe(413);
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
    expect(parsePublishRequest({ body, isBase64Encoded: true }).events).toHaveLength(1);
    const invalid = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64');
    expect(() => parsePublishRequest({ body: invalid, isBase64Encoded: true })).toThrow(/UTF-8/);
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
