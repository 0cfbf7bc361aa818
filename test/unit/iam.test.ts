import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/stack.ts';

// Reads the CloudFormation template that `sls package --stage local` compiles and checks that each
// function's role allows only what that function does.
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
let resources: Record<string, any>;

beforeAll(() => {
  const out = join(projectRoot, '.idemlog', 'package-check');
  execFileSync('sls', ['package', '--stage', 'local', '--package', out], {
    cwd: projectRoot,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    stdio: 'ignore',
    timeout: 180_000,
  });
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 200_000);

const roleOf = (fn: string) => {
  const logicalId = `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
  const role = resources[logicalId].Properties.Role;
  expect(role, `${fn} uses its own role`).toMatchObject({ 'Fn::GetAtt': [expect.stringMatching(/Role$/), 'Arn'] });
  return role['Fn::GetAtt'][0] as string;
};

function statementsOf(fn: string): Statement[] {
  const policies = resources[roleOf(fn)].Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const actions = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
/** X-Ray takes no resource-level permissions: sending traces is always on "*". */
const isTracing = (s: Statement) =>
  actions([s]).every((a) => a === 'xray:PutTraceSegments' || a === 'xray:PutTelemetryRecords') && JSON.stringify(s.Resource) === '"*"';
/** Statements other than the function's own log stream and its traces. */
const dataStatements = (statements: Statement[]) =>
  statements.filter((s) => !actions([s]).every((a) => a.startsWith('logs:')) && !isTracing(s));
const refersTo = (resource: unknown, logicalId: string) => new RegExp(`\\b${logicalId}\\b`).test(JSON.stringify(resource));

describe('IAM: least privilege per function', () => {
  it('gives every function its own role, and no statement a * action or resource but X-Ray’s', () => {
    const roles = ['publish', 'process', 'stats', 'events', 'health', 'site', 'fallback'].map(roleOf);
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) {
      const statements = (resources[role].Properties.Policies as any[]).flatMap((p) => p.PolicyDocument.Statement);
      expect(statements.filter(isTracing), `${role} may send traces`).toHaveLength(1);
      for (const statement of statements.filter((s: Statement) => !isTracing(s))) {
        expect(statement.Effect).toBe('Allow');
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
        expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|:\*"$/);
      }
    }
  });

  it('publish may only send to its queue, keep its request records, and read chunk markers', () => {
    const statements = dataStatements(statementsOf('publish'));
    const send = statements.filter((s) => actions([s]).includes('sqs:SendMessage'));
    expect(actions(send)).toEqual(['sqs:SendMessage']);
    expect(refersTo(send[0]!.Resource, 'EventsQueue')).toBe(true);
    expect(refersTo(send[0]!.Resource, 'EventsDeadLetterQueue')).toBe(false);
    const records = statements.filter((s) => refersTo(s.Resource, 'IdempotencyTable'));
    expect(actions(records).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    const markers = statements.filter((s) => refersTo(s.Resource, 'LedgerTable'));
    expect(actions(markers)).toEqual(['dynamodb:BatchGetItem']);
    expect(JSON.stringify(markers[0])).toContain('"dynamodb:LeadingKeys":["chunk#*"]');
    expect(statements).toHaveLength(3);
  });

  it("process may only write its tables' items and consume its queue", () => {
    const statements = dataStatements(statementsOf('process'));
    const dynamo = actions(statements).filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(dynamo)).toEqual(
      new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:BatchGetItem']),
    );
    for (const statement of statements) {
      const tables = ['EventsTable', 'LedgerTable', 'EventsQueue'].filter((id) => refersTo(statement.Resource, id));
      expect(tables.length, JSON.stringify(statement)).toBeGreaterThan(0);
    }
    expect(actions(statements)).not.toContain('dynamodb:DeleteItem');
    expect(
      actions(statements)
        .filter((a) => a.startsWith('sqs:'))
        .sort(),
    ).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'].sort());
  });

  it.each(['stats', 'events', 'health'])('%s may only read', (fn) => {
    for (const action of actions(dataStatements(statementsOf(fn)))) {
      expect(action).toMatch(/^(dynamodb:(Query|BatchGetItem|DescribeTable|GetItem)|sqs:GetQueueAttributes)$/);
    }
  });

  it('events queries only the two time indexes, and reads the table only by key', () => {
    const statements = dataStatements(statementsOf('events'));
    for (const statement of statements.filter((s) => actions([s]).includes('dynamodb:Query'))) {
      expect(JSON.stringify(statement.Resource)).toContain('/index/by-');
      expect(actions([statement])).toEqual(['dynamodb:Query']);
    }
    const queried = JSON.stringify(statements.filter((s) => actions([s]).includes('dynamodb:Query')));
    expect(queried).toContain('/index/by-topic');
    expect(queried).toContain('/index/by-time');
    const onTable = statements.filter((s) => !JSON.stringify(s.Resource).includes('/index/'));
    expect(actions(onTable)).toEqual(['dynamodb:BatchGetItem']);
  });

  it('ingest may only send to its queue; the authorizer may only read the API keys', () => {
    const ingest = dataStatements(statementsOf('ingest'));
    expect(actions(ingest)).toEqual(['sqs:SendMessage']);
    expect(refersTo(ingest[0]!.Resource, 'EventsQueue')).toBe(true);
    const authorize = dataStatements(statementsOf('authorize'));
    expect(actions(authorize)).toEqual(['apigateway:GET']);
    expect(JSON.stringify(authorize[0]!.Resource)).toMatch(/::\/apikeys/);
    expect(JSON.stringify(authorize[0]!.Resource)).not.toMatch(/restapis|usageplans/);
  });

  it('fallback and site may do nothing but log', () => {
    expect(dataStatements(statementsOf('fallback'))).toEqual([]);
    expect(dataStatements(statementsOf('site'))).toEqual([]);
  });
});
