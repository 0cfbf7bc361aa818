import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { parseCli } from '../../scripts/lib/cli.ts';

const schema = z.object({
  events: z.coerce.number().int().min(1).default(20_000),
  json: z.boolean().default(false),
  url: z.url().optional(),
});

class Exited extends Error {
  readonly code: number | undefined;
  constructor(code: number | undefined) {
    super(`exit ${code}`);
    this.code = code;
  }
}

describe('command-line options', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parses values with their schema and flags without a value, and applies defaults', () => {
    expect(parseCli(schema, 'usage', ['--events', '500', '--json'])).toEqual({ events: 500, json: true });
    expect(parseCli(schema, 'usage', [])).toEqual({ events: 20_000, json: false });
  });

  it('names the bad option and prints the usage, exiting 2', () => {
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Exited(code as number);
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => parseCli(schema, 'usage: try --events N', ['--events', 'many'])).toThrow(new Exited(2));
    expect(errors.mock.calls[0]![0]).toMatch(/--events: .*\n\nusage: try --events N/s);
    expect(() => parseCli(schema, 'usage', ['--nope'])).toThrow(new Exited(2));
  });
});
