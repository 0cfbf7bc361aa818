// Deploys the stack with `sls deploy`, repairs what the emulator's CloudFormation drops, and records
// the outputs (and the API key clients send) in the stage's stack file. Skips the deploy when the
// same sources are already deployed. The local stage goes to the emulator; any other stage to the
// AWS account the caller's own configuration names (scripts/lib/stage.ts).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { APIGatewayClient, GetApiKeyCommand, GetStageCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeTimeToLiveCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionConcurrencyCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { projectRoot, type StackInfo, stackFileFor, writeStack } from './lib/stack.ts';
import { checkNodeOptions, checkSettings, resolveStage } from './lib/stage.ts';

const target = (() => {
  try {
    return resolveStage(process.env);
  } catch (error) {
    console.error(`[idemlog] deploy refused: ${(error as Error).message}`);
    process.exit(1);
  }
})();
const { stage, region, endpoint } = target;
const isLocal = stage === 'local';
const force = process.argv.includes('--force');
const deployTimeoutMs = 240_000;
// The deploy tools see the stage's environment only: the emulator's on local, the caller's elsewhere.
const aws = {
  region,
  maxAttempts: 2,
  ...(endpoint
    ? { endpoint, credentials: { accessKeyId: target.env.AWS_ACCESS_KEY_ID!, secretAccessKey: target.env.AWS_SECRET_ACCESS_KEY! } }
    : {}),
};

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
    const child = spawn('sls', ['deploy', '--stage', stage, '--region', region], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: target.env,
      timeout: deployTimeoutMs,
    });
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else if (signal === 'SIGTERM') reject(new Error(`sls deploy did not finish within ${deployTimeoutMs / 1000} s`));
      else reject(new Error(`sls deploy exited with ${code ?? signal}`));
    });
  });
}

async function stackOutputs(): Promise<Record<string, string> | undefined> {
  const cloudFormation = new CloudFormationClient(aws);
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: `idemlog-${stage}` }));
    const stack = Stacks?.[0];
    if (!stack || !/COMPLETE$/.test(stack.StackStatus ?? '') || /DELETE|ROLLBACK/.test(stack.StackStatus ?? '')) return undefined;
    return Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));
  } catch {
    return undefined;
  }
}

// Some emulator releases (older MiniStack, some LocalStack) drop RedrivePolicy from AWS::SQS::Queue,
// leaving a DLQ that never fills. Set it through the SQS API, only where it is missing.
async function ensureRedrivePolicy(outputs: Record<string, string>): Promise<void> {
  const sqs = new SQSClient(aws);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['RedrivePolicy'] }));
  if (Attributes?.RedrivePolicy) return;
  const policy = { deadLetterTargetArn: outputs.DeadLetterQueueArn, maxReceiveCount: Number(outputs.MaxReceiveCount) };
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, Attributes: { RedrivePolicy: JSON.stringify(policy) } }));
  console.error(`[idemlog] RedrivePolicy was missing after deploy; set it (maxReceiveCount ${policy.maxReceiveCount})`);
}

// MiniStack's AWS::DynamoDB::Table ignores TimeToLiveSpecification; enable it the way AWS would have.
async function ensureTimeToLive(tables: string[]): Promise<void> {
  const dynamo = new DynamoDBClient(aws);
  for (const table of tables) {
    const { TimeToLiveDescription } = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: table }));
    if (TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED' || TimeToLiveDescription?.TimeToLiveStatus === 'ENABLING') continue;
    await dynamo.send(
      new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true } }),
    );
    console.error(`[idemlog] time to live was off on ${table} after deploy; turned it on`);
  }
}

// MiniStack's AWS::Lambda::Function ignores ReservedConcurrentExecutions (it enforces the setting
// once made through the Lambda API): set what the compiled template asks for, where it is missing.
async function ensureReservedConcurrency(): Promise<void> {
  const { TemplateBody } = await new CloudFormationClient(aws).send(new GetTemplateCommand({ StackName: `idemlog-${stage}` }));
  const template = JSON.parse(TemplateBody!) as {
    Resources: Record<string, { Type: string; Properties: { FunctionName?: string; ReservedConcurrentExecutions?: number | string } }>;
  };
  const lambda = new LambdaClient(aws);
  for (const { Type, Properties } of Object.values(template.Resources)) {
    if (Type !== 'AWS::Lambda::Function' || Properties.ReservedConcurrentExecutions === undefined || !Properties.FunctionName) continue;
    const wanted = Number(Properties.ReservedConcurrentExecutions);
    const current = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: Properties.FunctionName }));
    if (current.ReservedConcurrentExecutions === wanted) continue;
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: Properties.FunctionName, ReservedConcurrentExecutions: wanted }));
    console.error(`[idemlog] reserved concurrency of ${Properties.FunctionName} was not set after deploy; set it to ${wanted}`);
  }
}

// The template limits each open route on its ANY method (infra/api.yml). MiniStack looks a method
// setting up by the request's own method, so on the emulator the same limits are added for each
// method a client may send, in the spelling UpdateStage takes on AWS ("~1" for "/").
const requestMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

async function mirrorRouteThrottles(restApiId: string): Promise<void> {
  const apiGateway = new APIGatewayClient(aws);
  const { methodSettings = {} } = await apiGateway.send(new GetStageCommand({ restApiId, stageName: stage }));
  const patchOperations = Object.entries(methodSettings).flatMap(([key, setting]) => {
    const route = /^\/?(.*)\/ANY$/.exec(key)?.[1];
    if (route === undefined || setting.throttlingRateLimit === undefined) return [];
    return requestMethods.flatMap((method) => [
      { op: 'replace' as const, path: `/${route}/${method}/throttling/rateLimit`, value: String(setting.throttlingRateLimit) },
      { op: 'replace' as const, path: `/${route}/${method}/throttling/burstLimit`, value: String(setting.throttlingBurstLimit) },
    ]);
  });
  if (patchOperations.length > 0) await apiGateway.send(new UpdateStageCommand({ restApiId, stageName: stage, patchOperations }));
}

/** The default API key's value, which API Gateway generated: never in the repository. */
async function apiKeyValue(): Promise<string> {
  const cloudFormation = new CloudFormationClient(aws);
  const { StackResourceDetail } = await cloudFormation.send(
    new DescribeStackResourceCommand({ StackName: `idemlog-${stage}`, LogicalResourceId: 'ApiGatewayApiKey1' }),
  );
  const apiGateway = new APIGatewayClient(aws);
  const key = await apiGateway.send(new GetApiKeyCommand({ apiKey: StackResourceDetail!.PhysicalResourceId!, includeValue: true }));
  if (!key.value) throw new Error('the API key has no value');
  return key.value;
}

function previousHash(): string | undefined {
  try {
    return (JSON.parse(readFileSync(stackFileFor(stage), 'utf8')) as StackInfo).sourceHash;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!isLocal && process.env.IDEMLOG_FAULT_INJECTION === 'on') {
    throw new Error(`IDEMLOG_FAULT_INJECTION=on is refused for stage '${stage}': fault injection is for the local stage only`);
  }
  checkNodeOptions(process.env);
  checkSettings(process.env);
  const hash = sourceHash();
  let outputs = await stackOutputs();
  if (force || !outputs || previousHash() !== hash) {
    try {
      await runDeploy();
    } catch (error) {
      if (!isLocal) throw error;
      // A deploy to the emulator occasionally stalls after "Reconfigured endpoints"; a second run finishes.
      console.error(`[idemlog] ${(error as Error).message}; retrying once`);
      await runDeploy();
    }
    outputs = await stackOutputs();
    if (!outputs) throw new Error(`stack idemlog-${stage} is not complete after deploy`);
  } else {
    console.error(`[idemlog] stack idemlog-${stage} is up to date (${hash}); not redeploying (use --force)`);
  }
  if (isLocal) {
    await ensureRedrivePolicy(outputs);
    await ensureTimeToLive([outputs.EventsTableName!, outputs.LedgerTableName!, outputs.IdempotencyTableName!]);
    await mirrorRouteThrottles(outputs.RestApiId!);
    await ensureReservedConcurrency();
  }
  const apiUrl = isLocal
    ? `${endpoint}/_aws/execute-api/${outputs.RestApiId}/${stage}`
    : (outputs.ServiceEndpoint ?? `https://${outputs.RestApiId}.execute-api.${region}.amazonaws.com/${stage}`);
  const stack: StackInfo = {
    stage,
    region,
    endpoint,
    apiUrl,
    apiKey: await apiKeyValue(),
    restApiId: outputs.RestApiId!,
    queueUrl: outputs.QueueUrl!,
    queueArn: outputs.QueueArn!,
    deadLetterQueueUrl: outputs.DeadLetterQueueUrl!,
    deadLetterQueueArn: outputs.DeadLetterQueueArn!,
    maxReceiveCount: Number(outputs.MaxReceiveCount),
    eventsTable: outputs.EventsTableName!,
    ledgerTable: outputs.LedgerTableName!,
    idempotencyTable: outputs.IdempotencyTableName!,
    processFunction: outputs.ProcessFunctionName!,
    publishFunction: outputs.PublishFunctionName!,
    sourceHash: hash,
    deployedAt: new Date().toISOString(),
  };
  writeStack(stack);
  console.error(`[idemlog] stack outputs and the API key written to ${stackFileFor(stage)}`);
}

main().catch((error: unknown) => {
  console.error(`[idemlog] deploy failed: ${(error as Error).message}`);
  process.exit(1);
});
