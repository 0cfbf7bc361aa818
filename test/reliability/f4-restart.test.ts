import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { apiTargetOf } from '../../scripts/lib/api-client.ts';
import { expectedFrom, fetchStats, snapshot, topicsOf, waitForConvergence } from '../../scripts/lib/convergence.ts';
import { runLoad } from '../../scripts/lib/load.ts';
import { projectRoot, type StackInfo } from '../../scripts/lib/stack.ts';
import { buildWorkload } from '../../scripts/lib/workload.ts';
import { expectDocumented } from '../support/openapi.ts';

// F4: a second, persistent MiniStack (PERSIST_STATE=1) on its own port, with its own deployment,
// is restarted in the middle of a load. It saves its state on SIGTERM and reloads it on start.
const port = 4567;
const endpoint = `http://127.0.0.1:${port}`;
const stateDir = join(projectRoot, '.idemlog', 'f4-state');
const stackFile = join(projectRoot, '.idemlog', 'stack-f4.json');
const env = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  IDEMLOG_EMULATOR_ID: 'emulator-f4',
  PERSIST_STATE: '1',
  STATE_DIR: stateDir,
  IDEMLOG_STACK_FILE: stackFile,
};
const emulator = (command: 'start' | 'stop') =>
  execFileSync('bash', ['scripts/emulator.sh', command], { cwd: projectRoot, env, stdio: 'ignore', timeout: 180_000 });

afterAll(() => {
  emulator('stop');
  rmSync(stateDir, { recursive: true, force: true });
});

describe('F4 emulator restart with persistence, in the middle of a load', () => {
  it('loses nothing accepted and counts nothing twice', async () => {
    rmSync(stateDir, { recursive: true, force: true });
    emulator('start');
    const deployed = spawnSync('node', ['scripts/deploy.ts', '--force'], {
      cwd: projectRoot,
      env: { ...env, IDEMLOG_FAULT_INJECTION: 'off' },
      stdio: 'ignore',
      timeout: 300_000,
    });
    expect(deployed.status).toBe(0);
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackInfo;
    const workload = buildWorkload({
      events: 6000,
      duplicateRatio: 0.3,
      topics: 4,
      batchSize: 50,
      payloadBytes: 32,
      seed: 4,
      runId: `f4${Date.now().toString(36)}`,
    });
    const api = { ...apiTargetOf(stack), inspect: expectDocumented };
    const before = await snapshot(api, topicsOf(workload.requests));
    // Paced so that the restart lands in the middle; clients retry through the outage. The restart
    // waits for the first counted events (cold workers on a fresh emulator take a variable while),
    // not for a fixed time, which once restarted it before anything was counted.
    const loading = runLoad(workload.requests, { api: api, concurrency: 8, rate: 600, maxAttempts: 30 });
    const beforeRestart = await vi.waitFor(
      async () => {
        const stats = await fetchStats(api);
        expect(stats.received - before.totals.received).toBeGreaterThan(0);
        return stats;
      },
      { timeout: 8000, interval: 250 },
    );
    emulator('stop');
    emulator('start');
    const load = await loading;

    const expected = expectedFrom(load.accepted);
    const drain = await waitForConvergence(api, before, expected, { timeoutMs: 240_000, intervalMs: 1000, scope: 'topics' });
    console.log(
      `F4: restarted after ${beforeRestart.received - before.totals.received} events were counted; ${load.accepted.length} accepted, ` +
        `${load.ambiguous} in requests cut by the restart, statuses ${JSON.stringify(load.statuses)}; observed ${JSON.stringify({ ...drain.observed, topics: undefined })}`,
    );
    expect(load.abandoned).toBe(0);
    expect(beforeRestart.received - before.totals.received).toBeGreaterThan(0);
    expect(beforeRestart.received - before.totals.received).toBeLessThan(expected.received);
    // Nothing accepted is lost, and no event is stored twice: the distinct count is exact.
    expect(drain.observed.unique_processed).toBe(expected.unique_processed);
    // A request cut by the restart may have been enqueued before the client retried it: its
    // events are then received twice, as the retry of any lost response would be (and dropped as duplicates).
    expect(drain.observed.received).toBeGreaterThanOrEqual(expected.received);
    expect(drain.observed.received).toBeLessThanOrEqual(expected.received + load.ambiguous);
    if (load.ambiguous === 0) expect(drain.mismatches).toEqual([]);
  });
});
