// `npm run cold-start`: what loading each function costs a new worker. Builds each function's
// bundle as serverless.yml builds it (custom.esbuild), in two variants: as deployed now, and as
// deployed before issue 24 (the X-Ray SDK bundled, all of zod's locales, a source map loaded with
// --enable-source-maps); then starts a fresh `node` on each bundle several times and reports the
// median CPU and wall time of loading it (module evaluation and the handler's cold-start code), and
// the bundle's size deflated, about what a zip holds. No emulator, no network.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { median } from './lib/bench/summary.ts';
import { asDeployed, type BundleChoices, bundleFunction } from './lib/bundle.ts';
import { parseCli } from './lib/cli.ts';
import { offlineFunctionEnvironment } from './lib/function-environment.ts';

const options = parseCli(
  z.object({ starts: z.coerce.number().int().min(1).max(50).default(7) }),
  'npm run cold-start -- [--starts N: fresh processes per bundle and variant, default 7]',
);

const functions = ['publish', 'process', 'ingest', 'authorize', 'stats', 'events', 'health'];
/** The names the functions' configuration parsing needs at load; nothing is called. */
const environment = {
  ...process.env,
  ...offlineFunctionEnvironment,
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'cold-start',
};

interface Variant extends BundleChoices {
  name: string;
}
const variants: Variant[] = [
  { name: 'before (X-Ray, all locales, source map loaded)', tracing: true, zodShim: false, sourceMap: true },
  { name: 'now', ...asDeployed },
];

/** One fresh process loading the bundle: CPU and wall milliseconds until the handler is exported. */
function start(path: string, sourceMaps: boolean): { cpu: number; wall: number } {
  const probe = `const t=performance.now();const c=process.cpuUsage();require(${JSON.stringify(path)});const u=process.cpuUsage(c);console.log(JSON.stringify({cpu:(u.user+u.system)/1000,wall:performance.now()-t}))`;
  const out = execFileSync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', probe], { env: environment });
  return JSON.parse(out.toString()) as { cpu: number; wall: number };
}

const deflated = (dir: string) => readdirSync(dir).reduce((sum, file) => sum + deflateRawSync(readFileSync(join(dir, file))).length, 0);

const work = mkdtempSync(join(tmpdir(), 'idemlog-cold-start-'));
try {
  console.log(`loading each bundle in a fresh node ${process.version}, median of ${options.starts} starts\n`);
  console.log(
    `${'function'.padEnd(10)} ${'variant'.padEnd(48)} ${'deflated KiB'.padStart(12)} ${'CPU ms'.padStart(8)} ${'wall ms'.padStart(8)}`,
  );
  for (const fn of functions) {
    for (const [v, variant] of variants.entries()) {
      const outdir = join(work, String(v));
      const path = await bundleFunction(fn, variant, outdir);
      const starts = Array.from({ length: options.starts }, () => start(path, variant.sourceMap));
      console.log(
        `${fn.padEnd(10)} ${variant.name.padEnd(48)} ${(deflated(join(outdir, fn)) / 1024).toFixed(0).padStart(12)} ${median(
          starts.map((s) => s.cpu),
        )
          .toFixed(1)
          .padStart(8)} ${median(starts.map((s) => s.wall))
          .toFixed(1)
          .padStart(8)}`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
