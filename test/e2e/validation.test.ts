import { describe, expect, it } from 'vitest';
import { api, drained, postJson, publish, topicCounts, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

function expectErrorBody(body: any, code: string) {
  expect(body).toMatchObject({ error: code, message: expect.any(String), details: expect.any(Array) });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe('POST /publish validation, through the deployed API', () => {
  it.each(['topic', 'event_id', 'timestamp', 'source'])('answers 422 naming the missing %s', async (field) => {
    const event: Record<string, unknown> = { ...makeEvent() };
    delete event[field];
    const { status, body } = await publish(event);
    expect(status).toBe(422);
    expectErrorBody(body, 'validation_failed');
    expect(body.details).toContainEqual(expect.objectContaining({ index: 0, path: `events[0].${field}` }));
  });

  it.each([
    ['topic', 7],
    ['event_id', { id: 1 }],
    ['source', false],
    ['timestamp', 'not a date'],
    ['timestamp', '2026-02-30T10:00:00Z'],
    ['payload', 'a string'],
    ['payload', [1, 2, 3]],
  ])('answers 422 for %s = %j', async (field, value) => {
    const { status, body } = await publish(makeEvent({ [field]: value } as never));
    expect(status).toBe(422);
    expect(body.details[0]).toMatchObject({ index: 0, path: `events[0].${field}` });
  });

  it('answers 413 for an oversize payload', async () => {
    const { status, body } = await publish(makeEvent({ payload: { blob: 'x'.repeat(210 * 1024) } }));
    expect(status).toBe(413);
    expectErrorBody(body, 'payload_too_large');
  });

  it('answers 400 for malformed JSON and 422 for an empty array', async () => {
    const malformed = await postJson('/publish', '{"topic": "a",');
    expect(malformed.status).toBe(400);
    expectErrorBody(malformed.body, 'malformed_json');
    const empty = await publish([]);
    expect(empty.status).toBe(422);
    expectErrorBody(empty.body, 'validation_failed');
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const { status, body } = await api('/publish', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(makeEvent()),
    });
    expect(status).toBe(415);
    expectErrorBody(body, 'unsupported_media_type');
  });

  it('rejects a whole batch with one bad event, enqueuing nothing of it', async () => {
    const topic = uniqueTopic('batch-reject');
    const good = Array.from({ length: 5 }, () => makeEvent({ topic }));
    const { status, body } = await publish([...good, makeEvent({ topic, timestamp: 'soon' }), ...good]);
    expect(status).toBe(422);
    expect(body.details).toEqual([expect.objectContaining({ index: 5, path: 'events[5].timestamp' })]);

    // A later valid event on the same topic is the only thing ever counted for it.
    expect((await publish(makeEvent({ topic }))).status).toBe(202);
    await topicSettled(topic, 1);
    await drained();
    expect(await topicCounts(topic)).toEqual({ received: 1, unique_processed: 1, duplicate_dropped: 0 });
  });

  it('refuses unknown top-level fields by name with 422 instead of dropping them, enqueuing nothing', async () => {
    const topic = uniqueTopic('unknown-field');
    const typo = { ...makeEvent({ topic }), level: 'error', message: 'disk full', paylaod: { user: 'ana' } };
    const { status, body } = await publish([makeEvent({ topic }), typo]);
    expect(status).toBe(422);
    expectErrorBody(body, 'validation_failed');
    expect(body.details).toEqual(
      ['level', 'message', 'paylaod'].map((field) => ({
        index: 1,
        path: `events[1].${field}`,
        message: 'unknown field; extra data belongs under payload',
      })),
    );

    expect((await publish(makeEvent({ topic }))).status).toBe(202);
    await topicSettled(topic, 1);
    await drained();
    expect(await topicCounts(topic)).toEqual({ received: 1, unique_processed: 1, duplicate_dropped: 0 });
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const missing = await api('/nowhere/at/all');
    expect(missing.status).toBe(404);
    expectErrorBody(missing.body, 'not_found');
    const wrong = await api('/publish');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expectErrorBody(wrong.body, 'method_not_allowed');
    expect((await api('/stats', { method: 'DELETE' })).status).toBe(405);
  });
});
