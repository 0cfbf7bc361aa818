import { readdirSync, readFileSync } from 'node:fs';
import { round } from './system.ts';

/** The emulator's Lambda workers, by pid. */
function workerPids(): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map(Number).filter((pid) => {
    try {
      return roleOf(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '))?.endsWith(' workers') ?? false;
    } catch {
      return false;
    }
  });
}

/**
 * Starts, or stops and writes, every worker's CPU profile (scripts/lib/profile/worker-profiler.ts,
 * loaded only in a deployment made with --cpu-profile: elsewhere SIGUSR2 would end the worker).
 */
export function toggleWorkerProfiles(): void {
  for (const pid of workerPids()) {
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {
      // the worker exited meanwhile
    }
  }
}

/** CPU seconds used so far, by role: the emulator, each function's workers, and this benchmark. */
export type CpuByRole = Record<string, number>;

const clockTicksPerSecond = 100;

/** The role of a process, from its command line; undefined for processes that are not part of the run. */
function roleOf(pid: number, commandLine: string): string | undefined {
  if (pid === process.pid) return 'benchmark';
  if (/\/bin\/ministack\b/.test(commandLine)) return 'emulator';
  // MiniStack runs each function's workers from a directory named after the function.
  const worker = /ministack-lambda-[^/]*?-(\w+)-[^-/]+\/_worker\.js/.exec(commandLine);
  return worker ? `${worker[1]} workers` : undefined;
}

/**
 * Reads every process's CPU time from /proc (Linux only; an empty record elsewhere). Workers that
 * exit between two readings take their time with them, so the figures are lower bounds.
 */
export function cpuByRole(): CpuByRole {
  const totals: CpuByRole = {};
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    try {
      const role = roleOf(Number(pid), readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      if (!role) continue;
      // Fields 14 and 15 of /proc/PID/stat (after the parenthesised command) are user and system ticks.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      totals[role] = (totals[role] ?? 0) + (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
    } catch {
      // the process exited while being read
    }
  }
  return totals;
}

/** CPU seconds per 1,000 events between two readings, by role. */
export function cpuPerThousandEvents(before: CpuByRole, after: CpuByRole, events: number): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after)
      .sort()
      .map((role) => [role, round(((after[role]! - (before[role] ?? 0)) / events) * 1000, 3)]),
  );
}
