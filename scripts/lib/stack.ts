import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stageOf } from './stage.ts';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where a stage's outputs are kept: .idemlog/stack.json for the local stage, .idemlog/stack-<stage>.json
 * for others. IDEMLOG_STACK_FILE points scripts at another deployment (the F4 restart test deploys a second one).
 */
export function stackFileFor(stage: string): string {
  return process.env.IDEMLOG_STACK_FILE ?? join(projectRoot, '.idemlog', stage === 'local' ? 'stack.json' : `stack-${stage}.json`);
}

export const stackFile = stackFileFor(stageOf(process.env));

/** What a deployed stack exposes; written by scripts/deploy.ts, read by scripts and tests. */
export interface StackInfo {
  stage: string;
  region: string;
  endpoint: string | null;
  apiUrl: string;
  /** The value clients send as x-api-key. */
  apiKey: string;
  restApiId: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  maxReceiveCount: number;
  eventsTable: string;
  ledgerTable: string;
  idempotencyTable: string;
  processFunction: string;
  publishFunction: string;
  sourceHash: string;
  deployedAt: string;
}

export function readStack(): StackInfo {
  try {
    return JSON.parse(readFileSync(stackFile, 'utf8')) as StackInfo;
  } catch {
    throw new Error(`no deployed stack recorded in ${stackFile}: run 'npm start' (or 'npm run deploy') first`);
  }
}

export function writeStack(stack: StackInfo, file = stackFileFor(stack.stage)): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

/** SDK client options for scripts and tests: the same endpoint and region the stack was deployed to. */
export function clientOptions(stack: Pick<StackInfo, 'region' | 'endpoint'>) {
  return { region: stack.region, ...(stack.endpoint ? { endpoint: stack.endpoint } : {}) };
}
