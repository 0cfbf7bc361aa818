// `npm run demo:redelivery`: a message whose processing crashes after writing and before
// acknowledging is redelivered by SQS after the visibility timeout, and the counters stay exact.

import { PollTimeoutError, pollUntil } from '../functions/shared/retry.ts';
import { apiTargetOf } from './lib/api-client.ts';
import { clientsFor, deliveryLogs } from './lib/aws.ts';
import { demoTopic, describeCounts, publish, sameCounts, say, topicCounts } from './lib/demo.ts';
import { deployLocal } from './lib/deploy-local.ts';

const { topic, event } = demoTopic('redelivery');

say('deploying the local stage with fault injection on (only events that carry a fault marker are affected)');
const stack = deployLocal('on');
const api = apiTargetOf(stack);
const { logs } = clientsFor(stack);
const since = Date.now() - 1000;

const normal = Array.from({ length: 8 }, (_, i) => event(`ok-${i}`));
const requests = [
  await publish(api, [...normal, normal[0], normal[1]]),
  await publish(api, [event('crashes-twice', { _idemlog_fault: { mode: 'crash_after_write', times: 2 } }), normal[2]]),
  await publish(api, [event('fails-once', { _idemlog_fault: { mode: 'fail', times: 1 } })]),
];
const expected = { received: 13, unique_processed: 10, duplicate_dropped: 3 };
say(`published 13 events on topic ${topic} in 3 requests: 10 distinct, 3 duplicates`);
say('  request 2 carries an event that makes `process` crash AFTER its write, on its 1st and 2nd delivery');
say('  request 3 carries an event that makes `process` fail BEFORE writing, on its 1st delivery');
say(`  visibility timeout ${stack.stage === 'local' ? 30 : 60} s: a message not acknowledged is delivered again after that`);

const seen = new Set<string>();
let settledPolls = 0;
let lastStatus = '';
/** Narrates the deliveries logged since the last look; true once the counters stayed exact and the queue empty for two looks. */
async function narrate(): Promise<true | undefined> {
  for (const line of await deliveryLogs(logs, stack.processFunction, since)) {
    const delivery = line.deliveryId ?? /in (\S+) \(receive/.exec(line.reason ?? '')?.[1] ?? '';
    const ours = requests.findIndex((id) => delivery.startsWith(id));
    const key = `${line.messageId}:${line.receiveCount}:${line.message}`;
    if (ours < 0 || seen.has(key)) continue;
    seen.add(key);
    const what =
      line.message === 'message failed'
        ? line.reason?.includes('already applied')
          ? 'found its chunk already applied (delivery marker), wrote nothing, then CRASHED again before acknowledging'
          : line.reason?.includes('after write')
            ? 'wrote its events and counters, then CRASHED before acknowledging'
            : 'FAILED before writing anything'
        : line.redelivered
          ? `was already applied: the delivery marker made this a no-op (${line.redelivered} events skipped)`
          : `stored ${line.unique} new, ${line.duplicates} duplicate(s), acknowledged`;
    say(`request ${ours + 1}, delivery #${line.receiveCount}: ${what}`);
  }
  const counts = await topicCounts(api, topic);
  const busy = counts.queue.visible + counts.queue.in_flight;
  const exact = sameCounts(counts, expected);
  if (exact && busy === 0) settledPolls++;
  if (settledPolls >= 2) return true;
  const status = `counters: ${describeCounts(counts)}; queue: ${counts.queue.in_flight} in flight, ${counts.queue.visible} visible`;
  if (status !== lastStatus) say(`  ${status}`);
  lastStatus = status;
  return undefined;
}
await pollUntil(narrate, { what: 'the counters to settle', timeoutMs: 240_000, intervalMs: 2000 }).catch((error: unknown) => {
  if (!(error instanceof PollTimeoutError)) throw error;
});

const final = await topicCounts(api, topic);
say(`final counters for ${topic}: ${describeCounts(final)}`);
const exact = sameCounts(final, expected);
say(
  exact
    ? 'EXACT: two crashes after writing and one failure were redelivered by SQS, and nothing was counted twice'
    : `NOT EXACT: expected ${describeCounts(expected)}`,
);
process.exit(exact ? 0 : 1);
