// `npm run simulate -- --seed S --runs N`: searches histories of the deterministic simulator
// (scripts/lib/sim) for one that breaks the promise, and on a failure prints the seed, the history
// shrunk to the fewest operations that still fail, as a readable script, and the anomalies.
import fc from 'fast-check';
import { z } from 'zod';
import { parseCli } from './lib/cli.ts';
import { describePlan, planArbitrary } from './lib/sim/plan.ts';
import { simulate } from './lib/sim/world.ts';

const usage = `npm run simulate -- [--seed S] [--runs N] [--verbose]

  --seed S     fast-check's seed (default: random, printed)
  --runs N     histories to try (default 200)
  --verbose    print each history's summary`;

const options = parseCli(
  z.object({
    seed: z.coerce.number().int().optional(),
    runs: z.coerce.number().int().min(1).default(200),
    verbose: z.boolean().default(false),
  }),
  usage,
);

const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
console.log(`simulate: seed ${seed}, ${options.runs} histories`);
const started = performance.now();
let histories = 0;
const totals: Record<string, number> = {};
const result = await fc.check(
  fc.asyncProperty(planArbitrary, async (plan) => {
    const { report } = await simulate(plan);
    histories++;
    for (const [key, value] of Object.entries(report.summary)) totals[key] = (totals[key] ?? 0) + value;
    if (options.verbose) console.log(JSON.stringify(report.summary));
    return report.anomalies.length === 0;
  }),
  { seed, numRuns: options.runs },
);
console.log(`simulate: ${histories} histories in ${((performance.now() - started) / 1000).toFixed(1)} s; ${JSON.stringify(totals)}`);
if (result.failed) {
  const plan = result.counterexample![0];
  const { report } = await simulate(plan);
  console.log(
    `\nFAILED after ${result.numRuns} histories (seed ${seed}, path ${result.counterexamplePath}), shrunk ${result.numShrinks} times:\n`,
  );
  console.log(describePlan(plan));
  console.log(`\nanomalies:\n  ${report.anomalies.join('\n  ')}`);
  console.log(`\nreproduce: npm run simulate -- --seed ${seed} --runs ${options.runs}`);
  process.exit(1);
}
console.log('simulate: no anomaly');
