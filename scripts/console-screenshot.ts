// `npm run console:screenshot -- [file]`: opens the console of the running stack in headless
// Chromium with its API key, lets it refresh, and saves a full-page screenshot (docs/console.png).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium } from './lib/browser.ts';
import { projectRoot, readStack } from './lib/stack.ts';

const file = process.argv[2] ?? join(projectRoot, 'docs', 'console.png');
const stack = readStack();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${stack.apiUrl}/`);
  await page.fill('#key-input', stack.apiKey);
  await page.click('#key-form button[type=submit]');
  // A few refreshes, so that the rate chart has a line.
  await sleep(12_000);
  await page.screenshot({ path: file, fullPage: false });
  console.log(`saved ${file}`);
} finally {
  await browser.close();
}
