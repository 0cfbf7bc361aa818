import type { StackInfo } from '../stack.ts';
import type { Settings } from './configs.ts';
import { measureRun, type Shape } from './run.ts';
import { emulatorPid, round, rssMiB } from './system.ts';

const soakSegment = 100_000;

/**
 * Pushes `events` through the deployed stack in segments of 100,000, each a fresh workload that
 * must converge exactly, and reports each segment's throughput beside the emulator's and this
 * process's memory, so that growth with the data held is visible.
 */
export async function soak(
  stack: StackInfo,
  settings: Settings,
  shape: Shape,
  events: number,
  concurrency: number,
  log: (line: string) => void,
) {
  const segments = [];
  const pid = emulatorPid();
  for (let done = 0, index = 1; done < events; index++) {
    const size = Math.min(soakSegment, events - done);
    const run = await measureRun(stack, settings, { ...shape, events: size, seed: shape.seed + index }, { concurrency });
    done += size;
    const segment = {
      events_so_far: done,
      events_per_s: run.events_per_s,
      publish_p99_ms: run.publish_p99_ms,
      exact: run.exact,
      emulator_rss_mib: rssMiB(pid),
      bench_rss_mib: round(process.memoryUsage().rss / 1048576, 1),
    };
    segments.push(segment);
    log(
      `soak ${String(done).padStart(9)} events: ${segment.events_per_s} events/s, publish p99 ${segment.publish_p99_ms} ms, ${segment.exact ? 'exact' : 'NOT EXACT'}, emulator RSS ${segment.emulator_rss_mib} MiB, bench RSS ${segment.bench_rss_mib} MiB`,
    );
    if (!run.exact) break;
  }
  return segments;
}
