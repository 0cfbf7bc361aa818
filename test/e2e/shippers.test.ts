import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import pino from 'pino';
import pinoLoki from 'pino-loki';
import { afterAll, describe, expect, it } from 'vitest';
import { api, stack, topicSettled } from '../support/api.ts';
import { uniqueTopic } from '../support/events.ts';

// Real shippers nobody here wrote, against the deployed stack: each one's records stored once,
// mapped as docs/API.md ("Shippers") says, and counted exactly.

async function exportWithOtel(exporter: LogRecordExporter, topic: string, records: number) {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': topic, 'service.instance.id': 'test-runner' }),
    processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 512, maxQueueSize: records, scheduledDelayMillis: 100 })],
  });
  const logger = provider.getLogger('shippers-test', '1.0.0');
  for (let i = 0; i < records; i++)
    logger.emit({
      body: `order ${i} paid`,
      severityNumber: 9,
      severityText: 'INFO',
      attributes: { 'order.id': i, 'http.route': '/checkout' },
      // Every digit of the nanoseconds, different for each record.
      timestamp: [1_733_400_000 + i, 123_456_789],
    });
  await provider.forceFlush();
  await provider.shutdown();
}

const otlpUrl = (base: string) => `${base}/v1/logs`;
const headers = { 'x-api-key': stack.apiKey };

async function firstEvents(topic: string, limit = 3) {
  return (await api(`/events?topic=${encodeURIComponent(topic)}&limit=${limit}`)).body.events;
}

describe('OpenTelemetry JS SDK', () => {
  for (const [encoding, exporterOf] of [
    ['http/json', (url: string) => new JsonLogExporter({ url, headers })],
    ['http/protobuf', (url: string) => new ProtobufLogExporter({ url, headers })],
  ] as const) {
    it(`exports 10,000 records over ${encoding}: each stored once, every nanosecond kept`, async () => {
      const topic = uniqueTopic(`otel-${encoding.split('/')[1]}`);
      await exportWithOtel(exporterOf(otlpUrl(stack.apiUrl)), topic, 10_000);
      const counts = await topicSettled(topic, 10_000, 180_000);
      expect(counts.unique_processed).toBe(10_000);
      expect(counts.received - counts.duplicate_dropped).toBe(10_000);
      const [first] = await firstEvents(topic, 1);
      expect(first).toMatchObject({
        topic,
        source: 'test-runner',
        timestamp: '2024-12-05T12:00:00.123456789Z',
        payload: {
          body: 'order 0 paid',
          severity_text: 'INFO',
          severity_number: 9,
          attributes: { 'order.id': 0, 'http.route': '/checkout' },
          resource: { 'service.name': topic },
          scope: { name: 'shippers-test', version: '1.0.0' },
        },
      });
      expect(first.event_id).toMatch(/^otlp:/);
    }, 240_000);
  }
});

describe('a shipper whose connection is cut after the request went through', () => {
  let proxy: Server | undefined;
  afterAll(() => proxy?.close());

  it('retries on its own, and every record is stored once and counted once', async () => {
    // Lets each request through to the API, then, for some, cuts the connection before the
    // answer; once it answers 503 after the API stored the batch.
    let seen = 0;
    const cut = { connections: 0, unavailable: 0 };
    proxy = createServer(async (request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const forwarded = await fetch(`${stack.apiUrl}${request.url}`, {
        method: request.method,
        headers: Object.fromEntries(
          Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection', 'transfer-encoding'].includes(name)),
        ) as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      const answer = Buffer.from(await forwarded.arrayBuffer());
      seen++;
      if (seen % 3 === 1 && cut.connections < 4) {
        cut.connections++;
        request.socket.destroy();
        return;
      }
      if (seen === 5) {
        cut.unavailable++;
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"code":14,"message":"proxy says unavailable"}');
        return;
      }
      response
        .writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/octet-stream' })
        .end(answer);
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const topic = uniqueTopic('otel-cut');
    await exportWithOtel(new ProtobufLogExporter({ url: `http://127.0.0.1:${port}/v1/logs`, headers }), topic, 3000);
    const counts = await topicSettled(topic, 3000, 180_000);
    expect(cut.connections).toBeGreaterThan(0);
    expect(cut.unavailable).toBe(1);
    expect(counts.unique_processed).toBe(3000);
    // The retries reached the stack, and were dropped as duplicates.
    expect(counts.duplicate_dropped).toBeGreaterThan(0);
    expect(counts.received).toBe(3000 + counts.duplicate_dropped);
  }, 240_000);
});

describe('pino-loki (Loki push, JSON)', () => {
  it('ships 2,000 log lines: each stored once, labels and line kept', async () => {
    const topic = uniqueTopic('loki');
    const transport = pinoLoki({
      host: `${stack.apiUrl}/`,
      headers,
      labels: { topic, host: 'pino-host' },
      batching: { interval: 0.2 },
      silenceErrors: false,
    });
    const logger = pino({ level: 'info' }, transport);
    for (let i = 0; i < 2000; i++) logger.info({ order: i }, `order ${i} shipped`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    transport.end();
    await new Promise((resolve) => transport.on('close', resolve));
    const counts = await topicSettled(topic, 2000, 120_000);
    expect(counts.unique_processed).toBe(2000);
    const [event] = await firstEvents(topic, 1);
    expect(event).toMatchObject({ topic, source: 'pino-host', payload: { labels: { topic, host: 'pino-host' } } });
    expect(event.event_id).toMatch(/^loki:/);
    expect(event.payload.line).toMatch(/order \d+ shipped/);
  }, 180_000);
});

describe('the Elasticsearch client’s bulk helper', () => {
  it('indexes 2,000 documents: each stored once under its index, the _id kept', async () => {
    const topic = uniqueTopic('es');
    const client = new Client({ node: stack.apiUrl, headers });
    const documents = Array.from({ length: 2000 }, (_, i) => ({
      id: `doc-${i}`,
      '@timestamp': `2026-12-05T10:00:00.${String(i).padStart(9, '0')}Z`,
      message: `doc ${i}`,
      host: { name: 'es-host' },
    }));
    const result = await client.helpers.bulk({
      datasource: documents,
      onDocument: (doc) => ({ index: { _index: topic, _id: doc.id } }),
      flushBytes: 100_000,
    });
    expect(result.failed).toBe(0);
    expect(result.successful).toBe(2000);
    const counts = await topicSettled(topic, 2000, 120_000);
    expect(counts.unique_processed).toBe(2000);
    const [event] = await firstEvents(topic, 1);
    expect(event).toMatchObject({ topic, event_id: 'doc-0', source: 'es-host', timestamp: '2026-12-05T10:00:00.000000000Z' });
    await client.close();
  }, 180_000);
});
