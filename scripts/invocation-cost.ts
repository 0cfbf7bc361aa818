// `npm run invocation-cost`: what one publish invocation costs a worker by its age and by the pause
// between its invocations. Builds the publish bundle as deployed, then starts fresh `node` workers
// (scripts/lib/profile/invocation-worker.ts), each sending its requests one after the other, with
// the SDK's calls answered by a stand-in server; reports the median CPU ms per invocation over the
// measured ones. The bench's workers are young and wait between requests: this separates those two
// effects from the code's own cost. No emulator. docs/BENCHMARKS.md has the figures.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { median } from './lib/bench/summary.ts';
import { asDeployed, bundleFunction } from './lib/bundle.ts';
import { parseCli } from './lib/cli.ts';
import type { InvocationTask } from './lib/profile/invocation-worker.ts';

const options = parseCli(
  z.object({
    workers: z.coerce.number().int().min(1).max(20).default(5),
    'gaps-ms': z
      .string()
      .default('0,20')
      .transform((text) => text.split(',').map(Number))
      .pipe(z.array(z.number().int().min(0).max(1000))),
  }),
  'npm run invocation-cost -- [--workers N: fresh workers per figure, one at a time, default 5] [--gaps-ms 0,20: pauses between invocations]',
);

/** A worker's age: the invocations before the measured ones, and how many are measured. */
const ages = [
  { name: "13th to 25th (the bench's measured run)", warm: 12, measured: 13 },
  { name: '301st to 400th', warm: 300, measured: 100 },
];

const here = (path: string) => new URL(path, import.meta.url).pathname;

async function cpuPerInvocation(task: InvocationTask): Promise<number> {
  const worker = fork(here('./lib/profile/invocation-worker.ts'), { stdio: 'ignore' });
  worker.send(task);
  return await new Promise<number>((resolve, reject) => {
    worker.once('message', (message) => resolve(Number(message)));
    worker.once('exit', (code) => reject(new Error(`a worker ended (${code}) before reporting`)));
  });
}

const work = mkdtempSync(join(tmpdir(), 'idemlog-invocation-cost-'));
const server = fork(here('./lib/profile/fake-aws.ts'), { stdio: 'ignore' });
try {
  const port = await new Promise<number>((resolve) => server.once('message', (message) => resolve(Number(message))));
  const bundle = await bundleFunction('publish', asDeployed, work);
  console.log(
    `publish bundle as deployed, 100-event requests, node ${process.version}; median of ${options.workers} fresh workers, one at a time\n`,
  );
  console.log(`${'invocations measured'.padEnd(42)} ${'pause ms'.padStart(8)} ${'CPU ms per invocation'.padStart(22)}`);
  for (const age of ages) {
    for (const gapMs of options['gaps-ms']) {
      const figures: number[] = [];
      for (let i = 0; i < options.workers; i++) figures.push(await cpuPerInvocation({ bundle, port, gapMs, ...age }));
      console.log(`${age.name.padEnd(42)} ${String(gapMs).padStart(8)} ${median(figures).toFixed(2).padStart(22)}`);
    }
  }
} finally {
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
