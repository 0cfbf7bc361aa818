import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/shared/config.ts';
import { projectRoot } from '../../scripts/lib/stack.ts';

const base = {
  EVENTS_TABLE: 'e',
  LEDGER_TABLE: 'l',
  IDEMPOTENCY_TABLE: 'r',
  QUEUE_URL: 'http://q.example/1/q',
  DLQ_URL: 'http://q.example/1/d',
};

describe('the fault-injection switch', () => {
  it('is off by default', () => {
    expect(parseConfig({ ...base, STAGE: 'local' }).FAULT_INJECTION).toBe('off');
  });

  it('can be turned on in the local stage only', () => {
    expect(parseConfig({ ...base, STAGE: 'local', FAULT_INJECTION: 'on' }).FAULT_INJECTION).toBe('on');
    for (const stage of ['prod', 'dev', 'staging', 'Local']) {
      expect(() => parseConfig({ ...base, STAGE: stage, FAULT_INJECTION: 'on' })).toThrow(/only allowed in the local stage/);
    }
  });

  it('rejects values other than on and off', () => {
    expect(() => parseConfig({ ...base, STAGE: 'local', FAULT_INJECTION: 'yes' })).toThrow(/FAULT_INJECTION/);
  });

  it('is refused by the deploy script for any other stage, before anything is deployed', () => {
    const result = spawnSync('node', ['scripts/deploy.ts'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IDEMLOG_STAGE: 'prod', IDEMLOG_FAULT_INJECTION: 'on' },
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/refused for stage 'prod'/);
  });
});
