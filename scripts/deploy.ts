// Deploys the stack with `sls deploy`, repairs what the emulator's CloudFormation drops, and records
// the outputs in .idemlog/stack.json. Skips the deploy when the same sources are already deployed.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, projectRoot, readStack, type StackInfo, writeStack } from './lib/stack.ts';

const stage = process.env.IDEMLOG_STAGE ?? 'local';
const region = process.env.AWS_REGION ?? 'us-east-1';
const isLocal = stage === 'local';
const endpoint = isLocal ? (process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566') : null;
const force = process.argv.includes('--force');
const deployTimeoutMs = 240_000;

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    else hash.update(path).update(readFileSync(path));
  };
  for (const path of ['functions', 'infra', 'serverless.yml', 'package-lock.json']) walk(join(projectRoot, path));
  // Settings that change the deployed configuration are part of what is deployed.
  for (const [key, value] of Object.entries(process.env).sort()) if (key.startsWith('IDEMLOG_')) hash.update(`${key}=${value}`);
  hash.update(`${stage}|${endpoint}`);
  return hash.digest('hex').slice(0, 16);
}

function runDeploy(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sls', ['deploy', '--stage', stage, '--region', region], { cwd: projectRoot, stdio: 'inherit' });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`sls deploy did not finish within ${deployTimeoutMs / 1000} s`));
    }, deployTimeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`sls deploy exited with ${code}`));
    });
  });
}

async function stackOutputs(): Promise<Record<string, string> | undefined> {
  const cloudFormation = new CloudFormationClient(clientOptions({ region, endpoint }));
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: `idemlog-${stage}` }));
    const stack = Stacks?.[0];
    if (!stack || !/COMPLETE$/.test(stack.StackStatus ?? '') || /DELETE|ROLLBACK/.test(stack.StackStatus ?? '')) return undefined;
    return Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));
  } catch {
    return undefined;
  }
}

// MiniStack releases before 1.5 (and some LocalStack ones) drop RedrivePolicy from AWS::SQS::Queue,
// leaving a DLQ that never fills. Set it through the SQS API, only where it is missing.
async function ensureRedrivePolicy(outputs: Record<string, string>): Promise<void> {
  const sqs = new SQSClient(clientOptions({ region, endpoint }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['RedrivePolicy'] }));
  if (Attributes?.RedrivePolicy) return;
  const policy = { deadLetterTargetArn: outputs.DeadLetterQueueArn, maxReceiveCount: Number(outputs.MaxReceiveCount) };
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, Attributes: { RedrivePolicy: JSON.stringify(policy) } }));
  console.error(`[idemlog] RedrivePolicy was missing after deploy; set it (maxReceiveCount ${policy.maxReceiveCount})`);
}

function previousHash(): string | undefined {
  try {
    return readStack().sourceHash;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!isLocal && process.env.IDEMLOG_FAULT_INJECTION === 'on') {
    throw new Error(`IDEMLOG_FAULT_INJECTION=on is refused for stage '${stage}': fault injection is for the local stage only`);
  }
  const hash = sourceHash();
  let outputs = await stackOutputs();
  if (force || !outputs || previousHash() !== hash) {
    try {
      await runDeploy();
    } catch (error) {
      // A deploy to the emulator occasionally stalls after "Reconfigured endpoints"; a second run finishes.
      console.error(`[idemlog] ${(error as Error).message}; retrying once`);
      await runDeploy();
    }
    outputs = await stackOutputs();
    if (!outputs) throw new Error(`stack idemlog-${stage} is not complete after deploy`);
  } else {
    console.error(`[idemlog] stack idemlog-${stage} is up to date (${hash}); not redeploying (use --force)`);
  }
  await ensureRedrivePolicy(outputs);
  const apiUrl = isLocal
    ? `${endpoint}/_aws/execute-api/${outputs.RestApiId}/${stage}`
    : (outputs.ServiceEndpoint ?? `https://${outputs.RestApiId}.execute-api.${region}.amazonaws.com/${stage}`);
  const stack: StackInfo = {
    stage,
    region,
    endpoint,
    apiUrl,
    restApiId: outputs.RestApiId!,
    queueUrl: outputs.QueueUrl!,
    queueArn: outputs.QueueArn!,
    deadLetterQueueUrl: outputs.DeadLetterQueueUrl!,
    deadLetterQueueArn: outputs.DeadLetterQueueArn!,
    maxReceiveCount: Number(outputs.MaxReceiveCount),
    eventsTable: outputs.EventsTableName!,
    ledgerTable: outputs.LedgerTableName!,
    processFunction: outputs.ProcessFunctionName!,
    sourceHash: hash,
    deployedAt: new Date().toISOString(),
  };
  writeStack(stack);
  console.error(`[idemlog] stack outputs written to .idemlog/stack.json`);
}

main().catch((error: unknown) => {
  console.error(`[idemlog] deploy failed: ${(error as Error).message}`);
  process.exit(1);
});
