import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerProfilesDirectory } from '../profile/top.ts';
import { emulatorPid, round } from './system.ts';

/** CPU seconds used so far, by role: the emulator, each function's workers, and this benchmark. */
export type CpuByRole = Record<string, number>;

const clockTicksPerSecond = 100;

interface ProcessInfo {
  pid: number;
  commandLine: string;
  /** Fields after the parenthesised command in /proc/PID/stat: [1] is the parent, [11] and [12] user and system ticks, [19] the start. */
  stat: string[];
}

function processes(): ProcessInfo[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.flatMap((pid) => {
    try {
      return [
        {
          pid: Number(pid),
          commandLine: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '),
          stat: readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '),
        },
      ];
    } catch {
      return []; // the process exited while being read
    }
  });
}

/**
 * The role of a process, or undefined for processes that are not part of the run: this benchmark,
 * idemlog's own emulator (.idemlog/emulator.pid, not another one such as the chaos run's), and
 * that emulator's Lambda workers, named after their function by the directory they run from.
 */
function roleOf(info: ProcessInfo, emulator: number | undefined): string | undefined {
  if (info.pid === process.pid) return 'benchmark';
  if (emulator === undefined) return undefined;
  if (info.pid === emulator) return 'emulator';
  if (Number(info.stat[1]) !== emulator) return undefined;
  const worker = /ministack-lambda-[^/]*?-(\w+)-[^-/]+\/_worker\.js/.exec(info.commandLine);
  return worker ? `${worker[1]} workers` : undefined;
}

/**
 * Reads every process's CPU time from /proc (Linux only; an empty record elsewhere). Workers that
 * exit between two readings take their time with them, so the figures are lower bounds.
 */
export function cpuByRole(): CpuByRole {
  const totals: CpuByRole = {};
  const emulator = emulatorPid();
  for (const info of processes()) {
    const role = roleOf(info, emulator);
    if (!role) continue;
    totals[role] = (totals[role] ?? 0) + (Number(info.stat[11]) + Number(info.stat[12])) / clockTicksPerSecond;
  }
  return totals;
}

/** Seconds since boot, and a process's start in the same clock. */
const uptimeSeconds = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
const startedSeconds = (info: ProcessInfo) => Number(info.stat[19]) / clockTicksPerSecond;

/**
 * Asks every worker of idemlog's emulator that loaded the profiler (scripts/lib/profile/
 * worker-profiler.ts, in a deployment made with --cpu-profile) to be profiling or not: the wanted
 * state is written to a file each worker reads on SIGUSR2, so a signal can never toggle a worker
 * out of step. Only workers whose environment names the profiler and that have run for a few
 * seconds are signalled: SIGUSR2 ends a node process that has no handler for it yet.
 */
export function setWorkerProfiling(on: boolean): void {
  writeFileSync(join(workerProfilesDirectory, 'state'), on ? 'on' : 'off');
  const emulator = emulatorPid();
  const now = uptimeSeconds();
  for (const info of processes()) {
    if (!roleOf(info, emulator)?.endsWith(' workers') || now - startedSeconds(info) < 3) continue;
    try {
      if (!readFileSync(`/proc/${info.pid}/environ`, 'utf8').includes('worker-profiler')) continue;
      process.kill(info.pid, 'SIGUSR2');
    } catch {
      // the worker exited meanwhile
    }
  }
}

/** CPU seconds per 1,000 events between two readings, by role. */
export function cpuPerThousandEvents(before: CpuByRole, after: CpuByRole, events: number): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after)
      .sort()
      .map((role) => [role, round(((after[role]! - (before[role] ?? 0)) / events) * 1000, 3)]),
  );
}
