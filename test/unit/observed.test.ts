import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { observed } from '../../functions/shared/lambda.ts';
import { MetricUnit, metrics } from '../../functions/shared/metrics.ts';

// Every function's middy stack (shared/lambda.ts), as its output reaches the logs. Powertools
// counts a cold start only where Lambda says the container started on demand.
vi.hoisted(() => {
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
});
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
let lines: string[] = [];

beforeEach(() => {
  lines = [];
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
});
afterEach(() => vi.restoreAllMocks());

describe('observed', () => {
  it('writes no warning for an invocation that records no metric of its own: most functions record none', async () => {
    const handler = observed(async () => 'ok');
    for (let i = 0; i < 3; i++) expect(await handler({}, context)).toBe('ok');
    expect(lines.filter((line) => /No application metrics/.test(line))).toEqual([]);
    expect(lines.filter((line) => /"WARN"|warn/i.test(line))).toEqual([]);
    // The container's first invocation counts its cold start, on a line of its own, by function.
    const coldStarts = lines.filter((line) => line.includes('"ColdStart"'));
    expect(coldStarts).toHaveLength(1);
    expect(JSON.parse(coldStarts[0]!)).toMatchObject({ ColdStart: 1, function_name: 'f' });
  });

  it("flushes an invocation's metrics as one EMF line, and again the next invocation's", async () => {
    const handler = observed(async () => {
      metrics.addMetric('Things', MetricUnit.Count, 2);
      return 'ok';
    });
    await handler({}, context);
    await handler({}, context);
    const emf = lines.filter((line) => line.includes('"_aws"') && line.includes('"Things"'));
    expect(emf).toHaveLength(2);
    expect(JSON.parse(emf[0]!)).toMatchObject({ Things: 2 });
  });

  it('carries no dimension or metadata of an invocation without metrics into the next one', async () => {
    let first = true;
    const handler = observed(async () => {
      if (first) {
        metrics.addDimension('tenant', 'A');
        metrics.addMetadata('note', 'x');
      } else metrics.addMetric('Later', MetricUnit.Count, 1);
      first = false;
      return 'ok';
    });
    await handler({}, context);
    await handler({}, context);
    const [line] = lines.filter((candidate) => candidate.includes('"Later"'));
    expect(JSON.parse(line!)).not.toHaveProperty('tenant');
    expect(JSON.parse(line!)).not.toHaveProperty('note');
  });

  it('flushes them when the handler throws too', async () => {
    const handler = observed(async () => {
      metrics.addMetric('Failures', MetricUnit.Count, 1);
      throw new Error('boom');
    });
    await expect(handler({}, context)).rejects.toThrow('boom');
    expect(lines.filter((line) => line.includes('"_aws"') && line.includes('"Failures"'))).toHaveLength(1);
  });
});
