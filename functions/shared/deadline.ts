import type { Context } from 'aws-lambda';

/**
 * A signal that aborts after `ms`, with a TimeoutError as AbortSignal.timeout gives, on the
 * global setTimeout: the simulator's clock (scripts/lib/sim) runs it in simulated time, where
 * AbortSignal.timeout's own timer would run in real time. The timer never keeps a process alive.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out', 'TimeoutError')), ms);
  (timer as { unref?: () => void }).unref?.();
  return controller.signal;
}

/**
 * A signal that aborts `marginMs` before the invocation's own timeout, so that work still running
 * is cancelled and answered for (an HTTP error, a batch item failure) instead of being killed.
 */
export function deadlineSignal(context: Pick<Context, 'getRemainingTimeInMillis'>, marginMs: number): AbortSignal {
  return timeoutSignal(Math.max(1, context.getRemainingTimeInMillis() - marginMs));
}
