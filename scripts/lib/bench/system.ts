import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../stack.ts';

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export const machine = () => `${process.platform} ${process.arch}, ${cpus().length} cores, Node ${process.version}`;

/** Resident memory of a process, in MiB, from /proc; null where it cannot be read. */
export function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
  } catch {
    return null;
  }
}

/** The embedded emulator's process id, when idemlog started it. */
export function emulatorPid(): number | undefined {
  try {
    return Number(readFileSync(join(projectRoot, '.idemlog/emulator.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

export function bundleSizes(): Record<string, string> {
  const dir = join(projectRoot, '.serverless');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.zip'))
      .map((file) => [file.replace(/\.zip$/, ''), `${round(statSync(join(dir, file)).size / 1024, 1)} KiB zipped`]),
  );
}
