import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/shared/config.ts';
import { offlineFunctionEnvironment } from '../../scripts/lib/function-environment.ts';
import { projectRoot } from '../../scripts/lib/stack.ts';
import { checkNodeOptions, checkSettings, deployedSettings, resolveStage, StageConfigurationError } from '../../scripts/lib/stage.ts';

describe("the functions' NODE_OPTIONS", () => {
  it('beyond the local stage, takes nothing or --enable-source-maps with the maps bundled, and refuses the rest', () => {
    expect(() => checkNodeOptions({ IDEMLOG_STAGE: 'prod' })).not.toThrow();
    expect(() =>
      checkNodeOptions({ IDEMLOG_STAGE: 'prod', IDEMLOG_NODE_OPTIONS: '--enable-source-maps', IDEMLOG_SOURCE_MAPS: 'true' }),
    ).not.toThrow();
    expect(() =>
      checkNodeOptions({ IDEMLOG_STAGE: 'prod', IDEMLOG_NODE_OPTIONS: '--enable-source-map', IDEMLOG_SOURCE_MAPS: 'true' }),
    ).toThrow(StageConfigurationError);
    expect(() => checkNodeOptions({ IDEMLOG_STAGE: 'prod', IDEMLOG_NODE_OPTIONS: '--enable-source-maps' })).toThrow(
      /IDEMLOG_SOURCE_MAPS=true/,
    );
    expect(() => checkNodeOptions({ IDEMLOG_NODE_OPTIONS: '--import=/work/profiler.ts' })).not.toThrow();
  });
});

describe('stage isolation', () => {
  it('points the local stage at the emulator, with test credentials unless the caller has some', () => {
    expect(resolveStage({})).toMatchObject({
      stage: 'local',
      endpoint: 'http://127.0.0.1:4566',
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
    });
    expect(resolveStage({ AWS_ENDPOINT_URL: 'http://localstack:4566' }).endpoint).toBe('http://localstack:4566');
  });

  it('hands any other stage the caller’s AWS configuration untouched, with no endpoint and no test credentials', () => {
    const caller = { IDEMLOG_STAGE: 'prod', AWS_PROFILE: 'ops', AWS_REGION: 'eu-west-1', PATH: '/usr/bin' };
    const target = resolveStage(caller);
    expect(target).toEqual({ stage: 'prod', region: 'eu-west-1', endpoint: null, env: caller });
    expect(target.env).not.toHaveProperty('AWS_ENDPOINT_URL');
    expect(target.env).not.toHaveProperty('AWS_ACCESS_KEY_ID');
  });

  it('refuses a non-local stage when the emulator’s endpoint or test key leaked into the environment', () => {
    expect(() => resolveStage({ IDEMLOG_STAGE: 'prod', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toThrow(StageConfigurationError);
    expect(() => resolveStage({ IDEMLOG_STAGE: 'staging', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' })).toThrow(/test key/);
  });
});

describe('npm run deploy for a real AWS stage', () => {
  it('runs sls with the caller’s configuration and nothing of the emulator’s', () => {
    const bin = mkdtempSync(join(tmpdir(), 'fake-sls-'));
    const record = join(bin, 'sls-saw.json');
    // A stand-in for sls that records what it was given, then fails so nothing else happens.
    writeFileSync(
      join(bin, 'sls'),
      `#!/usr/bin/env node\nrequire('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }));\nprocess.exit(1);\n`,
      { mode: 0o755 },
    );
    const caller = {
      PATH: `${bin}:${join(projectRoot, 'node_modules/.bin')}:${process.env.PATH}`,
      HOME: process.env.HOME ?? '/root',
      IDEMLOG_STAGE: 'prod',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'caller-secret',
      AWS_REGION: 'eu-west-1',
    };
    const result = spawnSync('node', ['scripts/deploy.ts'], { cwd: projectRoot, env: caller, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    const saw = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; env: Record<string, string> };
    expect(saw.argv).toEqual(['deploy', '--stage', 'prod', '--region', 'eu-west-1']);
    expect(saw.env.AWS_ENDPOINT_URL).toBeUndefined();
    expect(saw.env).toMatchObject({
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'caller-secret',
      AWS_REGION: 'eu-west-1',
    });
  });

  it('is refused when the emulator’s endpoint leaked into the shell, before anything runs', () => {
    const result = spawnSync('node', ['scripts/deploy.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, IDEMLOG_STAGE: 'prod', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/AWS_ENDPOINT_URL is set/);
  });
});

describe("the functions' settings from the deploying shell", () => {
  it('refuses, by the name the shell set, any value the functions would refuse at cold start', () => {
    // Quoted as JSON, so that a stray space or line end from a .env file shows.
    for (const value of ['abc', '0', '16385', '1e3', '0x10', '4096.5', '', ' 4096', '4096\n', '4096\r'])
      expect(() => checkSettings({ IDEMLOG_TOTALS_SHARDS: value })).toThrow(
        `IDEMLOG_TOTALS_SHARDS=${JSON.stringify(value)} must be a whole number from 1 to 16384, in decimal digits`,
      );
    expect(() =>
      checkSettings({ IDEMLOG_COUNTER_SHARDS: '1', IDEMLOG_TOTALS_SHARDS: '16384', IDEMLOG_PEEK_BEFORE_WRITE: 'off' }),
    ).not.toThrow();
    expect(() => checkSettings({ IDEMLOG_PEEK_BEFORE_WRITE: 'yes', IDEMLOG_DEDUP_RETENTION_DAYS: '-1' })).toThrow(
      /IDEMLOG_PEEK_BEFORE_WRITE="yes".*; IDEMLOG_DEDUP_RETENTION_DAYS="-1" must be a whole number from 0 to 36500/,
    );
  });

  it('checks every IDEMLOG_ setting serverless.yml hands the functions', () => {
    const template = readFileSync(join(projectRoot, 'serverless.yml'), 'utf8');
    const handed = [...template.matchAll(/^ {4}([A-Z_]+): \$\{env:(IDEMLOG_[A-Z_]+),/gm)].map(([, setting, variable]) => [
      variable,
      setting,
    ]);
    const ours = handed.filter(([, setting]) => setting !== 'NODE_OPTIONS' && setting !== 'POWERTOOLS_LOG_LEVEL');
    expect(Object.fromEntries(ours)).toEqual(deployedSettings);
  });

  it('as the functions read them: the totals on 4,096 shards unless set', () => {
    const base = offlineFunctionEnvironment;
    expect(parseConfig(base)).toMatchObject({ COUNTER_SHARDS: 1024, TOTALS_SHARDS: 4096 });
    expect(parseConfig({ ...base, TOTALS_SHARDS: '16384' }).TOTALS_SHARDS).toBe(16384);
    expect(() => parseConfig({ ...base, TOTALS_SHARDS: '1e3' })).toThrow(/TOTALS_SHARDS: must be a whole number/);
  });

  it('a deploy with a value the functions would refuse stops before anything runs', () => {
    const result = spawnSync('node', ['scripts/deploy.ts'], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH,
        IDEMLOG_STAGE: 'prod',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'caller-secret',
        AWS_REGION: 'eu-west-1',
        IDEMLOG_TOTALS_SHARDS: '20000',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/IDEMLOG_TOTALS_SHARDS="20000" must be a whole number from 1 to 16384/);
  });
});
