import { describe, expect, it } from 'vitest';
import { api } from '../support/api.ts';
import { document } from '../support/openapi.ts';

describe('GET /health and GET /stats', () => {
  it('reports the table and the queue as ok', async () => {
    const { status, body } = await api('/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    for (const name of ['events_table', 'ledger_table', 'queue']) expect(body.checks[name]).toMatchObject({ status: 'ok' });
  });

  it('answers every documented stats field', async () => {
    const { status, body } = await api('/stats');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      received: expect.any(Number),
      unique_processed: expect.any(Number),
      duplicate_dropped: expect.any(Number),
      rejected: expect.any(Number),
      topics: expect.any(Object),
      queue: { visible: expect.any(Number), in_flight: expect.any(Number), dead_letter: expect.any(Number) },
      started_at: expect.stringMatching(/^\d{4}-/),
      uptime_seconds: expect.any(Number),
    });
  });
});

describe('GET /openapi.json', () => {
  it('serves the description the tests check every answer against, without a key', async () => {
    const { status, body } = await api('/openapi.json', { anonymous: true });
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
