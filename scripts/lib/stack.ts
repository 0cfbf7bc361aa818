import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** IDEMLOG_STACK_FILE points scripts at another deployment (the F4 restart test deploys a second one). */
export const stackFile = process.env.IDEMLOG_STACK_FILE ?? join(projectRoot, '.idemlog', 'stack.json');

/** What a deployed stack exposes; written by scripts/deploy.ts, read by scripts and tests. */
export interface StackInfo {
  stage: string;
  region: string;
  endpoint: string | null;
  apiUrl: string;
  restApiId: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  maxReceiveCount: number;
  eventsTable: string;
  ledgerTable: string;
  processFunction: string;
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

export function writeStack(stack: StackInfo): void {
  mkdirSync(dirname(stackFile), { recursive: true });
  writeFileSync(stackFile, `${JSON.stringify(stack, null, 2)}\n`);
}

/** SDK client options for scripts and tests: the same endpoint and region the stack was deployed to. */
export function clientOptions(stack: Pick<StackInfo, 'region' | 'endpoint'>) {
  return { region: stack.region, ...(stack.endpoint ? { endpoint: stack.endpoint } : {}) };
}
