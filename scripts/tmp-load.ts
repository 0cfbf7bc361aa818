import { apiTargetOf } from './lib/api-client.ts';
import { runLoad } from './lib/load.ts';
import { readStack } from './lib/stack.ts';
import { buildWorkload } from './lib/workload.ts';
const n = Number(process.argv[2] ?? 50);
const w = buildWorkload({ events: n * 100, duplicateRatio: 0.3, topics: 8, batchSize: 100, payloadBytes: 64, seed: Date.now() % 100000, runId: `t${Date.now()}` });
const load = await runLoad(w.requests, { api: apiTargetOf(readStack()), concurrency: Number(process.argv[3] ?? 1) });
console.log('accepted', load.accepted.length, 'ms', load.durationMs);
