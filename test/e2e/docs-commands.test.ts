import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/stack.ts';

// The "Poke it by hand" commands of docs/DEVELOPING.md, run as a user would, so that the document cannot rot.
const guide = readFileSync(join(projectRoot, 'docs/DEVELOPING.md'), 'utf8');
const section = /<!-- poke-by-hand[^>]*-->([\s\S]*?)<!-- \/poke-by-hand -->/.exec(guide)?.[1] ?? '';
const commands = section
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => /^(curl|awslocal) /.test(line));

describe('docs/DEVELOPING.md: Poke it by hand', () => {
  it('documents curl for every endpoint and awslocal for queue, DLQ, table and function', () => {
    expect(section).toContain('source scripts/env.sh');
    for (const needle of [
      '/publish',
      '/stats',
      '/events',
      '/health',
      'sqs list-queues',
      'get-queue-attributes',
      '$DLQ_URL',
      'get-item',
      'dynamodb query',
      'lambda invoke',
    ]) {
      expect(
        commands.some((c) => c.includes(needle)),
        needle,
      ).toBe(true);
    }
  });

  it.each(commands)('runs: %s', (command) => {
    const output = execFileSync('bash', ['-c', `source scripts/env.sh && ${command}`], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (command.includes('get-item')) expect(output).toContain('auth.login');
    if (command.includes('dynamodb query')) expect(JSON.parse(output)).toHaveProperty('Items');
    if (command.includes('get-queue-attributes')) expect(output).toContain('RedrivePolicy');
    if (command.includes('lambda invoke')) expect(output).toMatch(/"statusCode": ?200/);
    if (command.startsWith('curl')) expect(() => JSON.parse(output)).not.toThrow();
  });
});
