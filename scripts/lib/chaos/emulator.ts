import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, type StackInfo } from '../stack.ts';

/**
 * The chaos run's own emulator: a MiniStack that keeps its state across restarts (PERSIST_STATE=1,
 * saved on SIGTERM as DynamoDB and SQS never lose it), on its own port with its own deployment, so
 * that restarting it disturbs nothing else.
 */
export interface ChaosEmulator {
  stack: StackInfo;
  start(): void;
  /** SIGTERM: MiniStack saves its state and exits. */
  stop(): void;
  /** The emulator's process id, to find its Lambda workers. */
  pid(): number | undefined;
  remove(): void;
}

export function chaosEmulator(port: number, options: { attach?: boolean } = {}): ChaosEmulator {
  const id = `emulator-chaos-${port}`;
  const stateDir = join(projectRoot, '.idemlog', `${id}-state`);
  const stackFile = join(projectRoot, '.idemlog', `stack-${id}.json`);
  const env = {
    ...process.env,
    IDEMLOG_STAGE: 'local',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    IDEMLOG_EMULATOR_ID: id,
    PERSIST_STATE: '1',
    STATE_DIR: stateDir,
    IDEMLOG_STACK_FILE: stackFile,
    // Killing it mid-save would lose what DynamoDB and SQS never lose.
    IDEMLOG_EMULATOR_STOP_SECONDS: '600',
    IDEMLOG_EMULATOR_START_SECONDS: '600',
  };
  const emulator = (command: 'start' | 'stop') =>
    execFileSync('bash', ['scripts/emulator.sh', command], { cwd: projectRoot, env, stdio: 'ignore', timeout: 900_000 });
  // Attached: the emulator of a run whose end did not finish is still up, with its state and stack.
  if (!options.attach) {
    rmSync(stateDir, { recursive: true, force: true });
    emulator('start');
    const deployed = spawnSync('node', ['scripts/deploy.ts', '--force'], {
      cwd: projectRoot,
      env: { ...env, IDEMLOG_FAULT_INJECTION: 'on' },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 600_000,
    });
    if (deployed.status !== 0) throw new Error('deploying the chaos stack failed');
  }
  return {
    stack: JSON.parse(readFileSync(stackFile, 'utf8')) as StackInfo,
    start: () => emulator('start'),
    stop: () => emulator('stop'),
    pid: () => {
      try {
        return Number(readFileSync(join(projectRoot, '.idemlog', `${id}.pid`), 'utf8'));
      } catch {
        return undefined;
      }
    },
    remove: () => {
      emulator('stop');
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The emulator's Lambda workers of one function: `node /tmp/ministack-lambda-<function>-…/_worker.js`, children of its process. */
export function workersOf(emulatorPid: number, functionName: string): number[] {
  const listing = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout;
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => Number(ppid) === emulatorPid && args.join(' ').includes(`ministack-lambda-${functionName}-`))
    .map(([pid]) => Number(pid));
}
