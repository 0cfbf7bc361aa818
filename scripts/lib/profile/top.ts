import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../stack.ts';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string };
}

export interface CpuProfile {
  nodes: ProfileNode[];
}

/** Self time by package (node_modules/<name>), project file and function, or Node's own code; idle time left out. */
export function topOf(profiles: CpuProfile[], top: number): Array<[string, number]> {
  const groups = new Map<string, number>();
  let total = 0;
  for (const node of profiles.flatMap((profile) => profile.nodes)) {
    const hits = node.hitCount ?? 0;
    const { url, functionName } = node.callFrame;
    if (hits === 0 || functionName === '(idle)') continue;
    total += hits;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const project = /(?:^|\/)(functions\/[^?]*)$/.exec(url)?.[1];
    const where = pkg
      ? pkg
      : project
        ? `${project} ${functionName || '(anonymous)'}`
        : url
          ? url.replace(/^.*\//, '')
          : `(${functionName || 'program'})`;
    groups.set(where, (groups.get(where) ?? 0) + hits);
  }
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => [where, hits / total]);
}

/** Where the emulator's workers write their profiles (scripts/lib/profile/worker-profiler.ts). */
export const workerProfilesDirectory = join(projectRoot, '.idemlog', 'profiles');

export function clearWorkerProfiles(): void {
  rmSync(workerProfilesDirectory, { recursive: true, force: true });
  mkdirSync(workerProfilesDirectory, { recursive: true });
}

/** The workers' profiles, by function name. */
export function workerProfiles(): Map<string, CpuProfile[]> {
  const byFunction = new Map<string, CpuProfile[]>();
  let files: string[];
  try {
    files = readdirSync(workerProfilesDirectory).filter((file) => file.endsWith('.cpuprofile'));
  } catch {
    return byFunction;
  }
  for (const file of files) {
    const name = file.replace(/\.\d+\.\d+\.cpuprofile$/, '');
    byFunction.set(name, [...(byFunction.get(name) ?? []), JSON.parse(readFileSync(join(workerProfilesDirectory, file), 'utf8'))]);
  }
  return byFunction;
}
