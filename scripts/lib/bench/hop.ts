import pMap from 'p-map';
import { type ApiTarget, callApi } from '../api-client.ts';
import { percentile } from '../load.ts';
import { round } from './system.ts';

/**
 * The API Gateway → Lambda round trip with nothing behind it: `requests` GETs of an unknown path
 * (the fallback function answers a JSON 404 and calls nothing) from `concurrency` clients. What
 * publish takes above this is what publish's own code costs.
 */
export async function measureNoOpHop(api: ApiTarget, concurrency: number, requests: number) {
  // The first round starts as many fallback workers as there are clients; only warm ones are timed.
  await timeNoOps(api, concurrency, concurrency * 4);
  const latencies = await timeNoOps(api, concurrency, requests);
  return { requests, p50_ms: round(percentile(latencies, 50), 1), p99_ms: round(percentile(latencies, 99), 1) };
}

async function timeNoOps(api: ApiTarget, concurrency: number, requests: number): Promise<number[]> {
  const latencies: number[] = [];
  await pMap(
    Array.from({ length: requests }),
    async () => {
      const started = performance.now();
      const response = await callApi(api, '/bench-no-op');
      await response.arrayBuffer();
      if (response.status !== 404) throw new Error(`the no-op hop answered ${response.status}`);
      latencies.push(performance.now() - started);
    },
    { concurrency },
  );
  return latencies;
}
