export type Probe = () => Promise<void>;

export interface CheckResult {
  status: 'ok' | 'error';
  latency_ms: number;
  message?: string;
}

export interface HealthReport {
  healthy: boolean;
  checks: Record<string, CheckResult>;
}

/** Runs every probe at once, each bounded by a timeout, and reports which dependencies answer. */
export async function checkHealth(probes: Record<string, Probe>, timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        await withTimeout(probe(), timeoutMs);
        return [name, { status: 'ok', latency_ms: Math.round(performance.now() - started) }];
      } catch (error) {
        const message = error instanceof Error ? error.name : 'unknown error';
        return [name, { status: 'error', latency_ms: Math.round(performance.now() - started), message }];
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { healthy: entries.every(([, result]) => result.status === 'ok'), checks };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { name: 'Timeout' })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
