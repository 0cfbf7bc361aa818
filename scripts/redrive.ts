// `npm run redrive`: moves the dead-letter queue's messages back to the main queue. Refuses while
// the stack's fault injection is on (the messages would only fail again), unless --force.

import { clientsFor, faultInjectionOn } from './lib/aws.ts';
import { redrive } from './lib/redrive.ts';
import { readStack } from './lib/stack.ts';

const stack = readStack();
const { sqs, lambda } = clientsFor(stack);

if (!process.argv.includes('--force') && (await faultInjectionOn(lambda, stack.processFunction))) {
  console.error('fault injection is on for this stack: redriven messages that carry a fault marker would fail again.');
  console.error('redeploy without it first (npm run deploy), or pass --force to redrive anyway.');
  process.exit(2);
}
const result = await redrive(sqs, stack);
console.log(
  `moved ${result.moved} message(s) from ${stack.deadLetterQueueUrl} back to ${stack.queueUrl} (${result.method})${result.failed ? `; ${result.failed} could not be sent and stay in the DLQ` : ''}`,
);
process.exit(result.failed ? 1 : 0);
