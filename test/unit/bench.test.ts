import { describe, expect, it } from 'vitest';
import { costPerMillion, prices, sqsBilledUnits } from '../../scripts/lib/bench/cost.ts';
import { cpuPerThousandEvents } from '../../scripts/lib/bench/cpu.ts';
import { configSummary, type RunOfDefault, relativeFigures, targets } from '../../scripts/lib/bench/report.ts';
import type { RunFigures } from '../../scripts/lib/bench/run.ts';
import { median, spread } from '../../scripts/lib/bench/summary.ts';

/** A run's figures with only what these tests read filled in. */
const run = (figures: Partial<RunFigures>): RunFigures =>
  ({
    exact: true,
    events_per_s: 0,
    drain_only_events_per_s: 0,
    publish_events_per_s: 0,
    publish_p50_ms: 0,
    publish_p95_ms: 0,
    publish_p99_ms: 0,
    publish_handler_p50_ms: 0,
    publish_handler_p99_ms: 0,
    wru_per_event: 0,
    wru_per_event_reported_by_emulator: 0,
    usd_per_million: 0,
    seconds: 0,
    ...figures,
  }) as RunFigures;

describe('benchmark figures', () => {
  it('takes the median of odd and even counts, and the spread as (max - min) / median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(spread([90, 100, 110])).toBe(0.2);
    expect(spread([0, 0])).toBe(0);
  });

  it('reports each configuration by its median under the old field names, with spreads and every run beside them', () => {
    const summary = configSummary([run({ events_per_s: 1000 }), run({ events_per_s: 1200, exact: false }), run({ events_per_s: 1100 })]);
    expect(summary.events_per_s).toBe(1100);
    expect(summary.spread.events_per_s).toBe(0.182);
    expect(summary.exact).toBe(false);
    expect(summary.runs).toHaveLength(3);
  });

  it('judges the pipeline against the ceiling and the hop measured in the same run', () => {
    const warmUp = { requests_per_worker: 15, events: 24_000, cpu_seconds_per_1000_events: { emulator: 0.2 } };
    const runs: RunOfDefault[] = [
      {
        figures: run({ events_per_s: 900, publish_p99_ms: 140, functions_cpu_share_of_emulator: 0.45 }),
        ceiling: { events_per_s: 1000, parallel: 3, cpu_seconds_per_1000_events: {} },
        hop: { p50_ms: 50, p99_ms: 130 },
        warmUp,
      },
      {
        figures: run({ events_per_s: 800, publish_p99_ms: 160, functions_cpu_share_of_emulator: 0.6 }),
        ceiling: { events_per_s: 1000, parallel: 3, cpu_seconds_per_1000_events: {} },
        hop: { p50_ms: 50, p99_ms: 100 },
        warmUp,
      },
      {
        figures: run({ events_per_s: 850, publish_p99_ms: 150, functions_cpu_share_of_emulator: 0.5 }),
        ceiling: { events_per_s: 1000, parallel: 3, cpu_seconds_per_1000_events: {} },
        hop: { p50_ms: 50, p99_ms: 120 },
        warmUp,
      },
    ];
    const relative = relativeFigures(runs);
    expect(relative.emulator_ceiling.pipeline_share).toBe(0.85);
    expect(relative.publish_p99_above_hop_ms.median).toBe(30);
    const verdict = targets(configSummary(runs.map((r) => r.figures)), relative);
    expect(verdict.pipeline_share_of_ceiling.met).toBe(true);
    expect(verdict.publish_p99_ms.met).toBe(false);
    expect(verdict.publish_p99_above_hop_ms.met).toBe(false);
    expect(verdict.functions_cpu_share_of_emulator).toMatchObject({ figure: 0.5, met: true });
    expect(relative.warm_up.cpu_seconds_per_1000_events_runs).toHaveLength(3);
  });

  it('prices a million events from the units one run used', () => {
    const cost = costPerMillion({
      events: 1000,
      apiRequests: 10,
      lambdaInvocations: 0,
      lambdaSeconds: 0,
      sqsBilledRequests: 0,
      writeUnits: 3000,
      readUnits: 0,
    });
    expect(cost.byService.api_gateway).toBeCloseTo(10_000 * (prices.apiGatewayRestPerMillion / 1e6));
    expect(cost.byService.dynamodb).toBeCloseTo(3 * prices.dynamoWriteUnitsPerMillion);
    expect(sqsBilledUnits(65_536)).toBe(1);
    expect(sqsBilledUnits(65_537)).toBe(2);
  });

  it('turns two CPU readings into seconds per 1,000 events, counting a role that appeared between them from zero', () => {
    expect(cpuPerThousandEvents({ emulator: 10 }, { emulator: 14, 'process workers': 2 }, 8000)).toEqual({
      emulator: 0.5,
      'process workers': 0.25,
    });
  });
});
