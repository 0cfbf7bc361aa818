import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePlan, planArbitrary } from '../../scripts/lib/sim/plan.ts';
import { simulate } from '../../scripts/lib/sim/world.ts';

// The deterministic simulator (scripts/lib/sim): a fixed number of histories from a seed printed
// here, random on each run unless SIM_SEED is set; `npm run simulate -- --seed S --runs N` searches longer.
const seed = Number(process.env.SIM_SEED ?? Math.floor(Math.random() * 2 ** 31));
const runs = Number(process.env.SIM_RUNS ?? 150);

describe(`the simulator, seed ${seed}`, () => {
  it(`finds no history among ${runs} that breaks the promise`, async () => {
    console.log(`simulator: seed ${seed}, ${runs} histories (reproduce: npm run simulate -- --seed ${seed} --runs ${runs})`);
    const result = await fc.check(
      fc.asyncProperty(planArbitrary, async (plan) => (await simulate(plan)).report.anomalies.length === 0),
      { seed, numRuns: runs },
    );
    if (result.failed) {
      const plan = result.counterexample![0];
      const { report } = await simulate(plan);
      expect.fail(`seed ${seed}: a history breaks the promise, shrunk to:\n${describePlan(plan)}\n\n${report.anomalies.join('\n')}`);
    }
  }, 120_000);

  it('replays a history exactly from its seed', async () => {
    const [plan] = fc.sample(planArbitrary, { seed, numRuns: 1 });
    const one = await simulate(plan!);
    const two = await simulate(plan!);
    expect(JSON.stringify(two.history)).toBe(JSON.stringify(one.history));
    expect(two.stats).toEqual(one.stats);
  });
});
