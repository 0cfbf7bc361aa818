// `npm run console:screenshot`: opens the console of the running stack in headless Chromium with
// its API key, runs the publisher's default workload while it watches, and saves a screenshot of
// the page afterwards (docs/console.png, or the path given).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium } from './lib/browser.ts';
import { projectRoot, readStack } from './lib/stack.ts';

const file = process.argv[2] ?? join(projectRoot, 'docs', 'console.png');
const stack = readStack();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  await page.goto(`${stack.apiUrl}/`);
  await page.fill('#key-input', stack.apiKey);
  await page.click('#key-form button[type=submit]');
  const run = spawnSync('node', ['scripts/publish.ts', '--json'], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error('the publisher did not finish exactly');
  // Let the page refresh after the drain, then show the first topic's events with a payload open.
  await sleep(7000);
  await page.click('#topics-reload');
  const topic = page.locator('#topics-body button.link').first();
  const name = await topic.textContent();
  await topic.click();
  await page
    .locator('#events-body tr.event', { hasText: name ?? '' })
    .first()
    .click();
  await sleep(500);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${file}`);
} finally {
  await browser.close();
}
