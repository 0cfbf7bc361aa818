import { spawnSync } from 'node:child_process';
import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { clientOptions, projectRoot, type StackInfo } from '../stack.ts';
import { resolveStage } from '../stage.ts';
import { emulatorPid } from './system.ts';

/**
 * True when the benchmark may (re)start the embedded emulator: it is idemlog's own, or nothing
 * answers on the local stage's endpoint (then there is no one else's emulator to disturb).
 */
export async function mayRestartEmulator(): Promise<boolean> {
  if (emulatorPid() !== undefined) return true;
  const { endpoint } = resolveStage({ ...process.env, IDEMLOG_STAGE: 'local' });
  const answers = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
  return !answers;
}

/** Stops and starts the embedded emulator: every run then starts from empty tables. */
export function restartEmulator(): void {
  for (const action of ['stop', 'start']) {
    const result = spawnSync('bash', ['scripts/emulator.sh', action], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`scripts/emulator.sh ${action} failed`);
  }
}

/**
 * Turns DynamoDB TTL off on the stack's tables. MiniStack's TTL reaper wakes every 60 s and scans
 * every item of every TTL table while holding DynamoDB's one lock: measured, a 1.0 s stall of every
 * DynamoDB call with 294,000 events stored (40 ms at most with TTL off). AWS deletes expired items
 * in the background without blocking writes, so the stall is the emulator's, not idemlog's.
 */
export async function stopTtlReaper(stack: StackInfo): Promise<void> {
  const dynamo = new DynamoDBClient(clientOptions(stack));
  for (const table of [stack.eventsTable, stack.ledgerTable, stack.idempotencyTable]) {
    await dynamo.send(
      new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: false } }),
    );
  }
}
