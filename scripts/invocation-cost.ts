// `npm run invocation-cost`: what one publish invocation costs a worker by its age and by the pause
// between its invocations. Builds the publish bundle as deployed, then starts fresh `node` workers
// (scripts/lib/profile/invocation-worker.ts) one at a time, each sending full requests one after
// the other, with the SDK's calls answered by a stand-in server; reports, over the workers, the CPU
// per measured invocation inside the handler's call (median, least, most) and the CPU spent during
// the pause after it. Refuses to report when any answer was not 2xx. No emulator.
// docs/BENCHMARKS.md has the figures.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { median } from './lib/bench/summary.ts';
import { asDeployed, bundleFunction } from './lib/bundle.ts';
import { parseCli } from './lib/cli.ts';
import { eventsPerRequest, type InvocationReport, type InvocationTask } from './lib/profile/invocation-task.ts';

const options = parseCli(
  z.object({
    workers: z.coerce.number().int().min(1).max(20).default(5),
    'gaps-ms': z
      .string()
      .default('0,20')
      .refine((text) => /^\d{1,4}(,\d{1,4})*$/.test(text), 'a comma-separated list of whole milliseconds, e.g. 0,20')
      .transform((text) => text.split(',').map(Number)),
  }),
  'npm run invocation-cost -- [--workers N: fresh workers per figure, one at a time, default 5] [--gaps-ms 0,20: pauses between invocations]',
);

/** A worker's age: the invocations before the measured ones, and how many are measured. */
const ages = [
  { name: "13th to 25th (the bench's measured run)", warm: 12, measured: 13 },
  { name: '301st to 400th', warm: 300, measured: 100 },
];

const here = (path: string) => new URL(path, import.meta.url).pathname;
const children = new Set<ChildProcess>();
const stopChildren = () => {
  for (const child of children) child.kill();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    stopChildren();
    process.exit(130);
  });

/** Starts a child and ends when it sends its first message; refuses if it exits first or takes longer than `limitMs`. */
function firstMessageOf<T>(child: ChildProcess, what: string, limitMs: number): Promise<T> {
  children.add(child);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${what} gave no answer within ${limitMs / 1000} s`));
    }, limitMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`${what} ended (exit ${code}) before answering`));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'idemlog-invocation-cost-'));
try {
  const server = fork(here('./lib/profile/fake-aws.ts'), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = Number(await firstMessageOf<number>(server, 'the stand-in server', 30_000));
  const bundle = await bundleFunction('publish', asDeployed, work);
  console.log(
    `publish bundle as deployed, ${eventsPerRequest}-event requests, node ${process.version}; over ${options.workers} fresh workers, one at a time\n`,
  );
  console.log(
    `${'invocations measured'.padEnd(42)} ${'pause ms'.padStart(8)} ${'CPU ms in the call: median (least–most)'.padStart(40)} ${'CPU ms in the pause'.padStart(20)}`,
  );
  for (const age of ages) {
    for (const gapMs of options['gaps-ms']) {
      const reports: InvocationReport[] = [];
      for (let i = 0; i < options.workers; i++) {
        const task: InvocationTask = { bundle, port, gapMs, ...age };
        const worker = fork(here('./lib/profile/invocation-worker.ts'), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        const answer = firstMessageOf<InvocationReport>(worker, 'a worker', 30_000 + (age.warm + age.measured) * (gapMs + 100));
        worker.send(task);
        const report = await answer;
        if (report.failures.length > 0)
          throw new Error(`${report.failures.length} invocations were answered ${[...new Set(report.failures)].join(', ')}: no figure`);
        reports.push(report);
      }
      const calls = reports.map((report) => report.handlerMs);
      console.log(
        `${age.name.padEnd(42)} ${String(gapMs).padStart(8)} ${`${median(calls).toFixed(2)} (${Math.min(...calls).toFixed(2)}–${Math.max(...calls).toFixed(2)})`.padStart(40)} ${median(
          reports.map((report) => report.pauseMs),
        )
          .toFixed(2)
          .padStart(20)}`,
      );
    }
  }
} finally {
  stopChildren();
  rmSync(work, { recursive: true, force: true });
}
