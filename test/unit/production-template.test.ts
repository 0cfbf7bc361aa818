import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/stack.ts';

// The production template, compiled offline by the same script CI runs, then checked by the
// field's own tools and read for the settings a production stack must have.
let checks: { status: number | null; output: string };
let resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

beforeAll(() => {
  const result = spawnSync('bash', ['scripts/template-checks.sh'], { cwd: projectRoot, encoding: 'utf8', timeout: 600_000 });
  checks = { status: result.status, output: `${result.stdout}${result.stderr}` };
  resources = JSON.parse(
    readFileSync(join(projectRoot, '.idemlog/template-prod/cloudformation-template-update-stack.json'), 'utf8'),
  ).Resources;
}, 610_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('the production template', () => {
  it('passes cfn-lint and checkov, but for the findings listed with reasons', () => {
    expect(checks.output).toMatch(/Failed checks: 0/);
    expect(checks.status, checks.output.slice(-2000)).toBe(0);
  });

  it('keeps the tables: point-in-time recovery, deletion protection, encryption, Retain', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const [id, table] of tables) {
      expect(table.Properties.PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.DeletionProtectionEnabled, id).toBe(true);
      expect(table.Properties.SSESpecification, id).toEqual({ SSEEnabled: true });
      expect([table.DeletionPolicy, table.UpdateReplacePolicy], id).toEqual(['Retain', 'Retain']);
    }
  });

  it('encrypts both queues, traces the functions and the API, and logs API access', () => {
    for (const [id, queue] of ofType('AWS::SQS::Queue')) expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
    for (const [id, fn] of ofType('AWS::Lambda::Function')) expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
    const stages = ofType('AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0]![1].Properties;
    expect(stage).toMatchObject({ TracingEnabled: true, AccessLogSetting: { DestinationArn: expect.anything() } });
    const [settings] = stage.MethodSettings;
    expect([Number(settings.ThrottlingRateLimit), Number(settings.ThrottlingBurstLimit)]).toEqual([2000, 4000]);
  });

  it('alarms on the DLQ, the queue’s age, the consumer’s errors and throttles, and the API’s 5xx rate, to an SNS topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(alarms.sort()).toEqual(
      [
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/SQS/ApproximateAgeOfOldestMessage',
        'AWS/Lambda/Errors',
        'AWS/Lambda/Throttles',
        'AWS/ApiGateway/5XXError',
      ].sort(),
    );
    for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('requires an API key on every method but /health, /openapi.json and the 404 fallback', () => {
    const open = ofType('AWS::ApiGateway::Method')
      .filter(([, m]) => m.Properties.ApiKeyRequired !== true)
      .map(([id]) => id)
      .sort();
    expect(open).toEqual([
      'ApiGatewayMethodAny',
      'ApiGatewayMethodHealthAny',
      'ApiGatewayMethodOpenapijsonAny',
      'ApiGatewayMethodProxyVarAny',
    ]);
  });

  it('keeps load from starving the pipeline: process holds concurrency, publish has a ceiling, open routes have their own throttles', () => {
    const fn = (name: string) =>
      ofType('AWS::Lambda::Function').find(([, f]) => f.Properties.FunctionName.endsWith(`-${name}`))![1].Properties;
    const mapping = ofType('AWS::Lambda::EventSourceMapping')[0]![1].Properties;
    expect(fn('process').ReservedConcurrentExecutions).toBeGreaterThanOrEqual(mapping.ScalingConfig.MaximumConcurrency);
    expect(fn('publish').ReservedConcurrentExecutions).toBeGreaterThan(0);
    // AWS refuses reservations that leave fewer than 100 of the default 1,000 unreserved.
    expect(fn('process').ReservedConcurrentExecutions + fn('publish').ReservedConcurrentExecutions).toBeLessThanOrEqual(900);
    const settings = ofType('AWS::ApiGateway::Stage')[0]![1].Properties.MethodSettings as Array<Record<string, unknown>>;
    for (const path of ['/~1health', '/', '/~1openapi.json', '/~1{proxy+}']) {
      const setting = settings.find((s) => s.ResourcePath === path && s.HttpMethod === 'ANY');
      expect(Number(setting?.ThrottlingRateLimit), path).toBeGreaterThan(0);
      expect(Number(setting?.ThrottlingBurstLimit), path).toBeGreaterThan(0);
    }
    const failure = ofType('AWS::ApiGateway::GatewayResponse').find(([, r]) => r.Properties.ResponseType === 'INTEGRATION_FAILURE')![1];
    expect(failure.Properties).toMatchObject({ StatusCode: '503', ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" } });
  });
});
