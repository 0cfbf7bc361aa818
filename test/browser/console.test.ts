import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/lib/browser.ts';
import { redrive } from '../../scripts/lib/redrive.ts';
import { api, stack, stats } from '../support/api.ts';
import { sqs } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

let browser: Browser;
let page: Page;
const topic = uniqueTopic('console');

const publishAndWait = async (events: unknown[]) => {
  const { status } = await api('/publish?wait=15', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(status).toBe(200);
};
const shown = async (id: string) => Number((await page.textContent(`#${id}`))?.replaceAll(',', ''));

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await publishAndWait([
    makeEvent({ topic, event_id: 'console-1', payload: { user: 'ana', note: 'shown in the console' } }),
    makeEvent({ topic }),
  ]);
  await page.goto(`${stack.apiUrl}/`);
});

afterAll(async () => {
  await browser?.close();
});

describe('the console in a browser', () => {
  it('asks for the API key once and keeps it', async () => {
    await expect.poll(() => page.isVisible('#key-dialog')).toBe(true);
    await page.fill('#key-input', stack.apiKey);
    await page.click('#key-form button[type=submit]');
    await expect.poll(() => page.isVisible('#key-dialog')).toBe(false);
    await page.reload();
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toMatch(/refreshed/);
    expect(await page.isVisible('#key-dialog')).toBe(false);
  });

  it('shows the totals /stats gives, and follows them after another publish', async () => {
    const check = async () => {
      const truth = await stats();
      const onPage = await Promise.all(
        ['received', 'unique_processed', 'duplicate_dropped', 'rejected'].map((name) => shown(`total-${name}`)),
      );
      return JSON.stringify(onPage) === JSON.stringify([truth.received, truth.unique_processed, truth.duplicate_dropped, truth.rejected]);
    };
    await expect.poll(check, { timeout: 15_000, interval: 500 }).toBe(true);
    const before = await shown('total-received');
    await publishAndWait([makeEvent({ topic }), makeEvent({ topic }), makeEvent({ topic })]);
    await expect.poll(() => shown('total-received'), { timeout: 15_000, interval: 500 }).toBeGreaterThanOrEqual(before + 3);
    await expect.poll(check, { timeout: 15_000, interval: 500 }).toBe(true);
  });

  it('warns when the dead-letter queue holds a message', async () => {
    expect(await page.getAttribute('#dlq', 'class')).not.toMatch(/warning/);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.deadLetterQueueUrl,
        MessageBody: JSON.stringify(makeEvent({ topic, event_id: 'from-the-dlq' })),
      }),
    );
    try {
      await expect.poll(() => page.getAttribute('#dlq', 'class'), { timeout: 15_000, interval: 500 }).toMatch(/warning/);
      expect(await page.textContent('#dlq-note')).toMatch(/dead-letter queue/);
    } finally {
      await redrive(sqs, stack);
    }
  });

  it('browses a topic’s events and expands a payload', async () => {
    await page.fill('#filter-topic', topic);
    await page.selectOption('#filter-order', 'asc');
    await page.click('#events-form button[type=submit]');
    const row = page.locator('#events-body tr.event', { hasText: 'console-1' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.click();
    const payload = page.locator('#events-body tr.payload:not([hidden]) pre');
    expect(JSON.parse((await payload.textContent()) ?? '')).toEqual({ user: 'ana', note: 'shown in the console' });
  });

  it('lists the topic in the topic table, and asks again when the key is refused', async () => {
    await expect.poll(async () => (await page.textContent('#topics-body')) ?? '', { timeout: 10_000 }).toBeTruthy();
    await page.evaluate(() => localStorage.setItem('idemlog.apiKey', 'not-a-key-of-this-api-0000'));
    await page.reload();
    await expect.poll(() => page.isVisible('#key-dialog'), { timeout: 10_000 }).toBe(true);
    expect(await page.textContent('#key-message')).toMatch(/refused/);
  });
});
