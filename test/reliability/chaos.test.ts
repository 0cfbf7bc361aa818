import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/stack.ts';

// A short checked chaos run (scripts/lib/chaos/run.ts) on its own emulator, with a random seed
// printed; `npm run chaos -- --minutes 60` is the long one (docs/RELIABILITY.md).
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`a checked chaos run, seed ${seed}`, () => {
  it('injects every kind of fault and finds no anomaly in the history', () => {
    const reportFile = join(projectRoot, '.idemlog', 'chaos', `ci-report-${seed}.json`);
    rmSync(reportFile, { force: true });
    const run = spawnSync(
      'node',
      [
        'scripts/chaos.ts',
        '--minutes',
        '1.5',
        '--seed',
        String(seed),
        '--clients',
        '8',
        '--restart-every',
        '30',
        '--kill-every',
        '10',
        '--json',
        reportFile,
      ],
      { cwd: projectRoot, encoding: 'utf8', timeout: 600_000 },
    );
    console.log(`${run.stdout.split('\n').slice(-8).join('\n')}${run.stderr.slice(-2000)}`);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.anomalies).toEqual([]);
    for (const kind of [
      'marker:crash_after_write',
      'marker:fail',
      'marker:conflict',
      'marker:slow',
      'marker:refuse_enqueue',
      'process-worker-killed',
      'emulator-restarted',
      'throttled',
      'connection-cut',
    ]) {
      expect(report.faults[kind] ?? 0, kind).toBeGreaterThan(0);
    }
    expect(report.events_stored).toBeGreaterThan(1000);
    expect(run.status).toBe(0);
  }, 660_000);
});
