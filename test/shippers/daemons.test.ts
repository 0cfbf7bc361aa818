import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/stack.ts';
import { api, stack, topicSettled } from '../support/api.ts';
import { uniqueTopic } from '../support/events.ts';

// Shippers that are programs of their own, installed by scripts/shipper-tools.sh: the
// OpenTelemetry Python SDK and Debian's syslog-ng (its elasticsearch-http() destination).

describe('the OpenTelemetry Python SDK over http/protobuf', () => {
  it('exports 10,000 records: each stored once and counted once', async () => {
    const topic = uniqueTopic('otel-python');
    const run = spawnSync(
      join(projectRoot, '.idemlog', 'shippers-venv', 'bin', 'python'),
      [join(projectRoot, 'test', 'shippers', 'otel_export.py')],
      {
        env: { ...process.env, API_URL: stack.apiUrl, API_KEY: stack.apiKey, TOPIC: topic, COUNT: '10000' },
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const counts = await topicSettled(topic, 10_000, 180_000);
    expect(counts.unique_processed).toBe(10_000);
    expect(counts.received - counts.duplicate_dropped).toBe(10_000);
    const [event] = (await api(`/events?topic=${encodeURIComponent(topic)}&limit=1`)).body.events;
    expect(event).toMatchObject({
      topic,
      source: 'python-sdk',
      payload: { body: 'order 0 paid', severity_text: 'INFO', attributes: { 'order.id': 0 } },
    });
    // Python's clock gives the record's time in nanoseconds: every digit of it is kept.
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  }, 400_000);
});

describe('syslog-ng’s elasticsearch-http() destination', () => {
  let daemon: ChildProcess | undefined;
  afterAll(() => daemon?.kill('SIGTERM'));

  it('ships 3,000 lines of a log file in bulk: each stored once under its index', async () => {
    const topic = uniqueTopic('syslog-ng');
    const dir = mkdtempSync(join(tmpdir(), 'syslog-ng-'));
    const input = join(dir, 'app.log');
    writeFileSync(input, '');
    writeFileSync(
      join(dir, 'syslog-ng.conf'),
      `@version: 3.38
@include "scl.conf"
options { frac-digits(6); stats-freq(0); };
source s_app { file("${input}" follow-freq(0.1) flags(no-parse)); };
destination d_idemlog {
  elasticsearch-http(
    url("${stack.apiUrl}/_bulk")
    index("${topic}")
    type("")
    headers("Content-Type: application/x-ndjson" "x-api-key: ${stack.apiKey}")
    batch-lines(200)
    workers(2)
  );
};
log { source(s_app); destination(d_idemlog); };
`,
    );
    daemon = spawn(
      'syslog-ng',
      ['-F', '--no-caps', '-f', join(dir, 'syslog-ng.conf'), '-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl')],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => daemon!.on('exit', resolve));
    const lines = Array.from({ length: 3000 }, (_, i) => `order ${i} shipped by syslog-ng\n`);
    for (let i = 0; i < lines.length; i += 500) appendFileSync(input, lines.slice(i, i + 500).join(''));
    // A daemon that stops (a configuration it refuses) fails the test at once.
    const counts = await Promise.race([
      topicSettled(topic, 3000, 180_000),
      exited.then((code) => {
        throw new Error(`syslog-ng exited with ${code}`);
      }),
    ]);
    expect(counts.unique_processed).toBe(3000);
    const [event] = (await api(`/events?topic=${encodeURIComponent(topic)}&limit=1`)).body.events;
    expect(event.payload.MESSAGE).toMatch(/^order \d+ shipped by syslog-ng$/);
    expect(event.event_id).toMatch(/^es:/);
  }, 300_000);
});
