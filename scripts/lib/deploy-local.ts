import { spawnSync } from 'node:child_process';
import { projectRoot, readStack, type StackInfo } from './stack.ts';

/**
 * Deploys the local stage with fault injection on or off and the given IDEMLOG_* settings (a no-op
 * when that exact configuration is already deployed), and returns the stack.
 */
export function deployLocal(faultInjection: 'on' | 'off', settings: Record<string, string> = {}): StackInfo {
  const result = spawnSync('node', ['scripts/deploy.ts'], {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...settings, IDEMLOG_STAGE: 'local', IDEMLOG_FAULT_INJECTION: faultInjection },
  });
  if (result.status !== 0) throw new Error('deploy failed');
  return readStack();
}
