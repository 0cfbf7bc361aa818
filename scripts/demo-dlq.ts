// `npm run demo:dlq`: a message that always fails lands in the DLQ after maxReceiveCount receives,
// without holding back the rest of its batch; once the fault is switched off, `npm run redrive`
// moves it back and it is counted exactly once.
import { spawnSync } from 'node:child_process';
import { PollTimeoutError, pollUntil } from '../functions/shared/retry.ts';
import { apiTargetOf } from './lib/api-client.ts';
import { clientsFor, deliveryLogs } from './lib/aws.ts';
import { demoTopic, describeCounts, publish, sameCounts, say, topicCounts } from './lib/demo.ts';
import { deployLocal } from './lib/deploy-local.ts';
import { projectRoot } from './lib/stack.ts';

const { topic, event } = demoTopic('dlq');

say('deploying the local stage with fault injection on');
let stack = deployLocal('on');
const api = apiTargetOf(stack);
const { logs } = clientsFor(stack);
const since = Date.now() - 1000;
const before = await topicCounts(api, topic);

const poisonRequest = await publish(api, [event('always-fails', { _idemlog_fault: { mode: 'fail' } }), event('packed-with-it')]);
const normalRequest = await publish(api, [event('ok-1'), event('ok-2'), event('ok-1')]);
say(
  `published 5 events on ${topic} in two messages: one whose first event always fails (its second event shares its message, so its fate), and a normal one`,
);
say(`maxReceiveCount is ${stack.maxReceiveCount}: after that many failed receives SQS moves the message to the DLQ`);

const seen = new Set<string>();
/** Narrates the deliveries logged since the last look; true once the poison message is in the DLQ. */
async function narrate(): Promise<true | undefined> {
  for (const line of await deliveryLogs(logs, stack.processFunction, since)) {
    const key = `${line.messageId}:${line.receiveCount}:${line.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const delivery = line.deliveryId ?? /in (\S+) \(receive/.exec(line.reason ?? '')?.[1] ?? '';
    if (delivery.startsWith(poisonRequest)) say(`poison message, delivery #${line.receiveCount}: failed before writing`);
    else if (delivery.startsWith(normalRequest) && line.message === 'message done') {
      say(
        `a normal message was stored and acknowledged (${line.unique} new, ${line.duplicates} duplicate): the poison message did not hold it back`,
      );
    }
  }
  const counts = await topicCounts(api, topic);
  return counts.queue.dead_letter > before.queue.dead_letter ? true : undefined;
}
await pollUntil(narrate, { what: 'the poison message to reach the DLQ', timeoutMs: 6 * 60_000, intervalMs: 3000 }).catch(
  (error: unknown) => {
    if (!(error instanceof PollTimeoutError)) throw error;
    say('the message did not reach the DLQ in time');
    process.exit(1);
  },
);
let counts = await topicCounts(api, topic);
say(`the poison message is in the DLQ (dead_letter ${counts.queue.dead_letter}); counters: ${describeCounts(counts)}`);

say('switching fault injection off (redeploy), then: npm run redrive');
stack = deployLocal('off');
const redrive = spawnSync('node', ['scripts/redrive.ts'], { cwd: projectRoot, encoding: 'utf8' });
say(redrive.stdout.trim() || redrive.stderr.trim());
if (redrive.status !== 0) process.exit(1);

const expected = { received: 5, unique_processed: 4, duplicate_dropped: 1 };
const drained = async () => {
  counts = await topicCounts(api, topic);
  return counts.received >= expected.received && counts.queue.visible + counts.queue.in_flight === 0 ? true : undefined;
};
await pollUntil(drained, { what: 'the redriven message to be processed', timeoutMs: 90_000, intervalMs: 1000 }).catch((error: unknown) => {
  if (!(error instanceof PollTimeoutError)) throw error;
});
say(`final counters for ${topic}: ${describeCounts(counts)}`);
const exact = sameCounts(counts, expected);
say(exact ? 'EXACT: the redriven message was counted once, and nothing else twice' : `NOT EXACT: expected ${describeCounts(expected)}`);
process.exit(exact ? 0 : 1);
