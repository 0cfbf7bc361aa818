import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../functions/domain/event.ts';
import { parseLabels } from '../../functions/edge/protocols/loki.ts';
import { encodeOf, lokiPushRequest, otlpTypes, plainOf } from '../../functions/edge/protocols/protobuf.ts';
import { type ShipperRequest, ship } from '../../functions/edge/protocols/shippers.ts';
import { splitConcatenated } from '../../functions/edge/protocols/splunk.ts';

async function shipped(request: ShipperRequest) {
  const events: LogEvent[] = [];
  const answer = await ship(request, async (batch) => {
    events.push(...batch);
  });
  return { answer, events };
}

const otlpJson = (records: unknown[], resource: unknown[] = [{ key: 'service.name', value: { stringValue: 'checkout' } }]) =>
  JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: resource },
        scopeLogs: [{ scope: { name: 'app', version: '1.0' }, logRecords: records }],
      },
    ],
  });

const record = {
  timeUnixNano: '1733400000123456789',
  observedTimeUnixNano: '1733400000223456789',
  severityNumber: 9,
  severityText: 'INFO',
  body: { stringValue: 'paid' },
  attributes: [
    { key: 'order', value: { intValue: '9007199254740993' } },
    { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } } },
    { key: '__proto__', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1.5 } }] } } },
  ],
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
};

describe('OTLP/HTTP logs', () => {
  it('maps a JSON record with every digit of its time, its attributes as sent, and a content id', async () => {
    const { answer, events } = await shipped({ protocol: 'otlp', body: otlpJson([record]), contentType: 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('{}');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.topic).toBe('checkout');
    expect(event!.source).toBe('checkout');
    expect(event!.timestamp).toBe('2024-12-05T12:00:00.123456789Z');
    expect(event!.event_id).toMatch(/^otlp:[\w-]{43}$/);
    expect(event!.payload).toMatchObject({
      body: 'paid',
      severity_text: 'INFO',
      severity_number: 9,
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      observed_timestamp: '2024-12-05T12:00:00.223456789Z',
      resource: { 'service.name': 'checkout' },
      scope: { name: 'app', version: '1.0' },
    });
    const attributes = event!.payload.attributes as Record<string, unknown>;
    // An int64 a double cannot hold keeps its digits; a key named __proto__ is kept as a key.
    expect(attributes.order).toBe('9007199254740993');
    expect(attributes.tags).toEqual(['a', true]);
    expect(Object.keys(attributes)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toEqual({ x: 1.5 });
  });

  it('gives a re-sent record the same id, in any batch, and a record that differs in anything another', async () => {
    const once = await shipped({ protocol: 'otlp', body: otlpJson([record]), contentType: 'application/json' });
    const other = { ...record, body: { stringValue: 'paid ' } };
    const again = await shipped({ protocol: 'otlp', body: otlpJson([other, record]), contentType: 'application/json' });
    expect(again.events[1]!.event_id).toBe(once.events[0]!.event_id);
    expect(again.events[0]!.event_id).not.toBe(once.events[0]!.event_id);
    const later = { ...record, timeUnixNano: '1733400000123456790' };
    const third = await shipped({ protocol: 'otlp', body: otlpJson([later]), contentType: 'application/json' });
    expect(third.events[0]!.event_id).not.toBe(once.events[0]!.event_id);
  });

  it("uses the record's log.record.uid and the topic an attribute names", async () => {
    const withUid = {
      ...record,
      attributes: [
        { key: 'log.record.uid', value: { stringValue: '01JEXAMPLE' } },
        { key: 'idemlog.topic', value: { stringValue: 'payments' } },
      ],
    };
    const { events } = await shipped({ protocol: 'otlp', body: otlpJson([withUid]), contentType: 'application/json' });
    expect(events[0]).toMatchObject({ event_id: '01JEXAMPLE', topic: 'payments' });
  });

  it('answers a protobuf request in protobuf, with partial success naming the records it refused', async () => {
    const bad = { ...record, attributes: [{ key: 'idemlog.topic', value: { stringValue: 'a\u0000b' } }] };
    const plain = JSON.parse(otlpJson([record, bad]));
    // Protobuf carries ids as bytes.
    for (const r of plain.resourceLogs[0].scopeLogs[0].logRecords) {
      r.traceId = Buffer.from(r.traceId, 'hex');
      r.spanId = Buffer.from(r.spanId, 'hex');
    }
    const bytes = encodeOf(otlpTypes.request, plain);
    const { answer, events } = await shipped({
      protocol: 'otlp',
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-protobuf',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers?.['content-type']).toBe('application/x-protobuf');
    const response = plainOf(otlpTypes.response, answer.body as Buffer) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(response.partialSuccess.rejectedLogRecords).toBe('1');
    expect(response.partialSuccess.errorMessage).toMatch(/record 1: .*control/);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload.trace_id).toBe('5b8efff798038103d269b633813fc60c');
    expect(events[0]!.timestamp).toBe('2024-12-05T12:00:00.123456789Z');
  });

  it('refuses malformed protobuf, a gzip bomb and an unknown content type with the status the shipper will not retry', async () => {
    const garbage = await shipped({
      protocol: 'otlp',
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff]).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-protobuf',
    });
    expect(garbage.answer.status).toBe(400);
    const status = plainOf(otlpTypes.status, garbage.answer.body as Buffer) as { code: number; message: string };
    expect(status.code).toBe(3);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const expanded = await shipped({
      protocol: 'otlp',
      body: bomb.toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/json',
      contentEncoding: 'gzip',
    });
    expect(expanded.answer.status).toBe(413);
    const xml = await shipped({ protocol: 'otlp', body: '<logs/>', contentType: 'application/xml' });
    expect(xml.answer.status).toBe(415);
  });

  it('refuses a body nested past any valid record without walking it, and an int64 a double cannot hold sent as a JSON number', async () => {
    const deep = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(20_000)}{}${'}]}}'.repeat(20_000)}`;
    const nested = await shipped({
      protocol: 'otlp',
      body: otlpJson([{ ...record, body: '__BODY__' }]).replace('"__BODY__"', deep),
      contentType: 'application/json',
    });
    expect(nested.answer.status).toBe(422);
    expect(nested.events).toHaveLength(0);
    const huge = await shipped({
      protocol: 'otlp',
      body: otlpJson([record]).replace('"1733400000123456789"', '1733400000123456789'),
      contentType: 'application/json',
    });
    expect(huge.answer.status).toBe(422);
  });

  it('refuses a protobuf body nested thousands deep with a 400, not a crash', async () => {
    const varint = (n: number) => {
      const bytes: number[] = [];
      for (; n > 127; n >>>= 7) bytes.push((n & 127) | 128);
      bytes.push(n);
      return Buffer.from(bytes);
    };
    const field = (id: number, inner: Buffer) => Buffer.concat([varint((id << 3) | 2), varint(inner.length), inner]);
    // AnyValue { kvlistValue { values { key: "k", value: AnyValue { ... } } } }
    let value = field(1, Buffer.from('leaf'));
    for (let i = 0; i < 2_000; i++) value = field(6, field(1, Buffer.concat([field(1, Buffer.from('k')), field(2, value)])));
    const logRecord = field(5, value);
    const body = field(1, field(2, field(2, logRecord)));
    const { answer, events } = await shipped({
      protocol: 'otlp',
      body: body.toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-protobuf',
    });
    expect(answer.status).toBe(400);
    expect(events).toHaveLength(0);
  });

  it('takes gzip', async () => {
    const body = gzipSync(otlpJson([record])).toString('base64');
    const { answer, events } = await shipped({
      protocol: 'otlp',
      body,
      isBase64Encoded: true,
      contentType: 'application/json',
      contentEncoding: 'gzip',
    });
    expect(answer.status).toBe(200);
    expect(events).toHaveLength(1);
  });
});

describe('Loki push', () => {
  const push = {
    streams: [
      {
        labels: '{job="api", host="web-1", note="say \\"hi\\""}',
        entries: [
          { timestamp: { seconds: '1733400000', nanos: 5 }, line: 'GET / 200', structuredMetadata: [{ name: 'trace_id', value: 'abc' }] },
          { timestamp: { seconds: '1733400001', nanos: 0 }, line: 'GET /x 404' },
        ],
      },
    ],
  };

  it('takes snappy-compressed protobuf, labels and structured metadata kept', async () => {
    const bytes = snappy.compress(encodeOf(lokiPushRequest, push));
    const { answer, events } = await shipped({
      protocol: 'loki',
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-protobuf',
    });
    expect(answer.status).toBe(204);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      topic: 'api',
      source: 'web-1',
      timestamp: '2024-12-05T12:00:00.000000005Z',
      payload: { line: 'GET / 200', labels: { job: 'api', host: 'web-1', note: 'say "hi"' }, structured_metadata: { trace_id: 'abc' } },
    });
    expect(events[0]!.event_id).toMatch(/^loki:/);
  });

  it('takes JSON, and gives the same entry the same id in either encoding', async () => {
    const json = JSON.stringify({
      streams: [
        {
          stream: { job: 'api', host: 'web-1', note: 'say "hi"' },
          values: [['1733400000000000005', 'GET / 200', { trace_id: 'abc' }]],
        },
      ],
    });
    const fromJson = await shipped({ protocol: 'loki', body: json, contentType: 'application/json' });
    const fromProto = await shipped({
      protocol: 'loki',
      body: Buffer.from(snappy.compress(encodeOf(lokiPushRequest, push))).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-protobuf',
    });
    expect(fromJson.answer.status).toBe(204);
    expect(fromJson.events[0]!.event_id).toBe(fromProto.events[0]!.event_id);
  });

  it('stores the valid entries and names the others in a 400; refuses bad snappy with a 400', async () => {
    const json = JSON.stringify({
      streams: [
        {
          stream: { job: 'api' },
          values: [
            ['1733400000000000005', 'ok'],
            ['yesterday', 'no time'],
          ],
        },
      ],
    });
    const partial = await shipped({ protocol: 'loki', body: json, contentType: 'application/json' });
    expect(partial.answer.status).toBe(400);
    expect(String(partial.answer.body)).toMatch(/1 of 2 entries refused/);
    expect(partial.events).toHaveLength(1);
    const bad = await shipped({
      protocol: 'loki',
      body: Buffer.from('not snappy at all').toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/x-protobuf',
    });
    expect(bad.answer.status).toBe(400);
  });

  it('reads label sets with escapes and refuses what is not one', () => {
    expect(parseLabels('{a="1", b_c="x\\\\y", d="line\\nnext"}')).toEqual({ a: '1', b_c: 'x\\y', d: 'line\nnext' });
    expect(parseLabels('{}')).toEqual({});
    expect(() => parseLabels('{a=1}')).toThrow(/label set/);
  });
});

describe('Elasticsearch bulk', () => {
  const ndjson = (...lines: unknown[]) => `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;

  it('stores index and create actions, answers each item as created, and refuses delete and update by item', async () => {
    const body = ndjson(
      { index: { _index: 'web', _id: 'r1' } },
      { '@timestamp': '2026-12-05T10:00:00.123456789Z', message: 'hello', host: { name: 'h1' } },
      { create: {} },
      { message: 'no time', host: 'h2' },
      { delete: { _index: 'web', _id: 'r1' } },
      { update: { _index: 'web', _id: 'r1' } },
      { doc: { message: 'changed' } },
      { index: { _index: 'web' } },
      { '@timestamp': 'yesterday', message: 'bad time' },
    );
    const { answer, events } = await shipped({ protocol: 'elastic', pathIndex: 'logs', body, contentType: 'application/x-ndjson' });
    expect(answer.status).toBe(200);
    const result = answer.body as { errors: boolean; items: Array<Record<string, { status: number; _id: string; _index: string }>> };
    expect(result.errors).toBe(true);
    expect(result.items.map((item) => Object.values(item)[0]!.status)).toEqual([201, 201, 400, 400, 400]);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ topic: 'web', event_id: 'r1', source: 'h1', timestamp: '2026-12-05T10:00:00.123456789Z' });
    expect(events[1]).toMatchObject({ topic: 'logs', source: 'h2' });
    expect(events[1]!.event_id).toMatch(/^es:/);
    expect(answer.headers?.['x-elastic-product']).toBe('Elasticsearch');
  });

  it('refuses a body that is not NDJSON with a 400 in its error shape', async () => {
    const { answer } = await shipped({ protocol: 'elastic', body: '{"index":{}}\n{not json\n', contentType: 'application/x-ndjson' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, error: { type: 'parse_exception' } });
  });
});

describe('Splunk HEC', () => {
  it('takes concatenated events, time to the nanosecond, and answers Success', async () => {
    const body = `${JSON.stringify({ event: { msg: 'a}{' }, time: '1733400000.123456789', host: 'h', sourcetype: 'app:log' })} ${JSON.stringify({ event: 'plain', fields: { k: 'v' } })}`;
    const { answer, events } = await shipped({ protocol: 'splunk', body, contentType: 'application/json' });
    expect(answer).toMatchObject({ status: 200, body: { text: 'Success', code: 0 } });
    expect(events[0]).toMatchObject({
      topic: 'app:log',
      source: 'h',
      timestamp: '2024-12-05T12:00:00.123456789Z',
      payload: { event: { msg: 'a}{' } },
    });
    expect(events[1]).toMatchObject({ topic: 'splunk', source: 'splunk', payload: { event: 'plain', fields: { k: 'v' } } });
  });

  it('refuses the whole request naming the bad event, as HEC does', async () => {
    const body = `${JSON.stringify({ event: 'ok' })}${JSON.stringify({ time: 1 })}`;
    const { answer, events } = await shipped({ protocol: 'splunk', body });
    expect(answer).toMatchObject({ status: 400, body: { code: 12, 'invalid-event-number': 1 } });
    expect(events).toHaveLength(0);
    expect((await shipped({ protocol: 'splunk', body: '' })).answer).toMatchObject({ status: 400, body: { code: 5 } });
    expect((await shipped({ protocol: 'splunk', body: '{"event":"x"} junk' })).answer).toMatchObject({ status: 400, body: { code: 6 } });
    expect(splitConcatenated('{"a":"}"} \n{"b":[1,{}]}')).toEqual(['{"a":"}"}', '{"b":[1,{}]}']);
  });
});

describe('a failure to enqueue', () => {
  it('is answered with each protocol’s retryable status', async () => {
    const failing = async () => {
      const { NotEnqueuedError } = await import('../../functions/domain/errors.ts');
      throw new NotEnqueuedError('SQS refused', [], 0, 'r');
    };
    const otlp = await ship({ protocol: 'otlp', body: otlpJson([record]), contentType: 'application/json' }, failing);
    expect(otlp.status).toBe(503);
    expect(otlp.headers?.['Retry-After']).toBe('1');
    const hec = await ship({ protocol: 'splunk', body: '{"event":"x"}' }, failing);
    expect(hec).toMatchObject({ status: 503, body: { code: 9 } });
  });
});

describe('bodies no shipper sends, and what a hostile review found', () => {
  const json = (body: unknown) => ({ protocol: 'otlp' as const, body: JSON.stringify(body), contentType: 'application/json' });

  it.each([
    ['an attribute that is null', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [null] }] }] }] }],
    ['a value that is null', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ key: 'a', value: null }] }] }] }] }],
    ['a body that is null', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: null }] }] }] }],
    ['an array value that is null', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { arrayValue: null } }] }] }] }],
    ['a resource attribute that is null', { resourceLogs: [{ resource: { attributes: [null] } }] }],
    ['resourceLogs that is an object', { resourceLogs: {} }],
  ])('answers OTLP %s with a 400, never a 500', async (_, body) => {
    const { answer, events } = await shipped(json(body));
    expect(answer.status).toBe(400);
    expect(events).toHaveLength(0);
  });

  it('answers a Loki stream that is null with a 400', async () => {
    const { answer } = await shipped({ protocol: 'loki', body: '{"streams":[null]}', contentType: 'application/json' });
    expect(answer.status).toBe(400);
  });

  it('keeps every record of a batch larger than a publish request, in slices', async () => {
    const records = Array.from({ length: 5001 }, (_, i) => ({ ...record, timeUnixNano: String(1733400000000000000n + BigInt(i)) }));
    const slices: number[] = [];
    const answer = await ship({ protocol: 'otlp', body: otlpJson(records), contentType: 'application/json' }, async (batch) => {
      slices.push(batch.length);
    });
    expect(answer.status).toBe(200);
    expect(slices).toEqual([5000, 1]);
  });

  it('refuses a record whose attribute key is sent twice, rather than keep one and drop the other', async () => {
    const twice = {
      ...record,
      attributes: [
        { key: 'user', value: { stringValue: 'alice' } },
        { key: 'user', value: { stringValue: 'root' } },
      ],
    };
    const { answer, events } = await shipped({ protocol: 'otlp', body: otlpJson([twice, record]), contentType: 'application/json' });
    expect(JSON.parse(answer.body as string).partialSuccess).toMatchObject({ rejectedLogRecords: '1' });
    expect(events).toHaveLength(1);
  });

  it('keeps every digit of a time sent as a JSON number, and gives upper- and lower-case trace ids one id', async () => {
    const numeric = otlpJson([record]).replace('"1733400000123456789"', '1733400000123000000');
    expect((await shipped({ protocol: 'otlp', body: numeric, contentType: 'application/json' })).events[0]!.timestamp).toBe(
      '2024-12-05T12:00:00.123000000Z',
    );
    const upper = { ...record, traceId: record.traceId.toUpperCase() };
    const a = await shipped({ protocol: 'otlp', body: otlpJson([upper]), contentType: 'application/json' });
    const b = await shipped({ protocol: 'otlp', body: otlpJson([record]), contentType: 'application/json' });
    expect(a.events[0]!.event_id).toBe(b.events[0]!.event_id);
  });

  it('keeps an empty body, line and event as sent', async () => {
    const empty = await shipped({
      protocol: 'otlp',
      body: otlpJson([{ ...record, body: { stringValue: '' } }]),
      contentType: 'application/json',
    });
    expect(empty.events[0]!.payload.body).toBe('');
    const line = await shipped({
      protocol: 'loki',
      body: '{"streams":[{"stream":{"job":"a"},"values":[["1","" ]]}]}',
      contentType: 'application/json',
    });
    expect(line.events[0]!.payload.line).toBe('');
    const hec = await shipped({ protocol: 'splunk', body: '{"event":{}}' });
    expect(hec.events[0]!.payload.event).toEqual({});
  });

  it('reads every escape Go writes in a label value, and refuses what Go never writes', () => {
    expect(parseLabels('{x="a\\tb", y="a\\u00a0b", z="a\\x01b", w="\\303\\251"}')).toEqual({
      x: 'a\tb',
      y: 'a\u00a0b',
      z: 'a\u0001b',
      w: 'é',
    });
    expect(parseLabels('{x="a\\tb"}')).not.toEqual(parseLabels('{x="atb"}'));
    expect(() => parseLabels('{x="a\\qb"}')).toThrow(/escape/);
    expect(() => parseLabels('{x="1", x="2"}')).toThrow(/twice/);
    expect(() => parseLabels('{x="\\xff"}')).toThrow(/UTF-8/);
  });

  it('bounds a bulk answer: actions past the cap refused whole, unknown actions refused, long ids echoed cut', async () => {
    const many = await shipped({ protocol: 'elastic', body: '{"delete":{}}\n'.repeat(10_001) });
    expect(many.answer.status).toBe(413);
    const unknown = await shipped({ protocol: 'elastic', body: `${JSON.stringify({ ['x'.repeat(1000)]: {} })}\n{}\n` });
    expect(unknown.answer.status).toBe(400);
    expect(JSON.stringify(unknown.answer.body).length).toBeLessThan(500);
    const longId = await shipped({
      protocol: 'elastic',
      body: `${JSON.stringify({ delete: { _index: 'i', _id: 'y'.repeat(100_000) } })}\n`,
    });
    expect(JSON.stringify(longId.answer.body).length).toBeLessThan(2000);
  });

  it('refuses HEC text outside any event, and takes a null time as none', async () => {
    expect((await shipped({ protocol: 'splunk', body: '"junk"{"event":"x"}' })).answer).toMatchObject({ status: 400, body: { code: 6 } });
    expect((await shipped({ protocol: 'splunk', body: '{"event":"x","time":null}' })).answer.status).toBe(200);
  });

  it('answers an unexpected failure after decoding with a 503 every shipper retries, never a 500 it drops', async () => {
    const answer = await ship({ protocol: 'otlp', body: otlpJson([record]), contentType: 'application/json' }, async () => {
      throw new TypeError('a bug');
    });
    expect(answer.status).toBe(503);
  });
});
