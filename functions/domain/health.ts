/** A dependency check; it must stop when `signal` aborts. */
import type { CheckResult } from './api-schemas.ts';

export type Probe = (signal: AbortSignal) => Promise<void>;

export interface HealthReport {
  healthy: boolean;
  checks: Record<string, CheckResult>;
}

/**
 * Runs every probe at once, each cancelled after `timeoutMs`, and reports which dependencies
 * answer. A probe that ignores its signal is still not waited for past the budget.
 */
export async function checkHealth(probes: Record<string, Probe>, timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([probe(signal), abortedBy(signal)]);
        return [name, { status: 'ok', latency_ms: Math.round(performance.now() - started) }];
      } catch (error) {
        const message = signal.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.name : 'unknown error';
        return [name, { status: 'error', latency_ms: Math.round(performance.now() - started), message }];
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { healthy: entries.every(([, result]) => result.status === 'ok'), checks };
}

const abortedBy = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
