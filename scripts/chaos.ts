// `npm run chaos -- --minutes M --seed S`: a checked chaos run against the stack on its own
// emulator (scripts/lib/chaos/run.ts). Prints a report, keeps the history, and exits non-zero on
// any anomaly.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { runChaos } from './lib/chaos/run.ts';
import { parseCli } from './lib/cli.ts';

const usage = `npm run chaos -- --minutes M [--seed S] [--clients N] [--port P] [--restart-every S] [--kill-every S] [--json FILE]

  --minutes M        how long clients send (default 5)
  --seed S           drives every choice of the clients and of the fault schedule (default: random, printed)
  --clients N        concurrent clients (default 10)
  --port P           the chaos run's own emulator (default 4568)
  --restart-every S  mean seconds between emulator restarts (default 300)
  --kill-every S     mean seconds between worker kills (default 60)
  --json FILE        also write the report as JSON
  --resume HISTORY   a kept history whose run did not reach its end: read the final state on its
                     emulator (still up) and check the history against it`;

const options = parseCli(
  z.object({
    minutes: z.coerce.number().positive().default(5),
    seed: z.coerce.number().int().optional(),
    clients: z.coerce.number().int().min(1).default(10),
    port: z.coerce.number().int().default(4568),
    'restart-every': z.coerce.number().positive().default(300),
    'kill-every': z.coerce.number().positive().default(60),
    json: z.string().optional(),
    resume: z.string().optional(),
  }),
  usage,
);
const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
const report = await runChaos({
  minutes: options.minutes,
  seed,
  clients: options.clients,
  port: options.port,
  restartEverySeconds: options['restart-every'],
  killEverySeconds: options['kill-every'],
  log: (line) => console.log(line),
  ...(options.resume ? { resume: options.resume } : {}),
});
console.log(`\nchaos report (seed ${seed}, ${options.minutes} min; history ${report.historyFile})
operations  ${JSON.stringify(report.operations)}
faults      ${JSON.stringify(report.faults)}
events      ${report.events_published} published, ${report.events_stored} stored; totals ${JSON.stringify(report.totals)}
anomalies   ${report.anomalies.length}${report.anomalies.length ? `\n  ${report.anomalies.join('\n  ')}` : ''}`);
if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.anomalies.length === 0 ? 0 : 1);
