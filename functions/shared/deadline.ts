import type { Context } from 'aws-lambda';

/** Why a signal ends with its work: one reason for all, since it is built once. */
const workEnded = new DOMException('the work this signal bounded has ended', 'AbortError');

/**
 * Runs `work` with a signal that aborts after `ms`, with a TimeoutError as AbortSignal.timeout
 * gives. The timer is the global setTimeout, so the simulator's clock (scripts/lib/sim) runs it in
 * simulated time; it never keeps a process alive. When the work ends the timer is cleared (a warm
 * worker does not keep, and later fire, a timer for every invocation it served) and the signal
 * aborts, so a call the work left running (another branch of a failed Promise.all, a retry still
 * waiting) stops with it instead of running on unbounded into later invocations.
 */
export async function withTimeout<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out', 'TimeoutError')), ms);
  (timer as { unref?: () => void }).unref?.();
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
    controller.abort(workEnded);
  }
}

/**
 * Runs `work` with a signal that aborts `marginMs` before the invocation's own timeout, so that
 * work still running is cancelled and answered for (an HTTP error, a batch item failure) instead
 * of being killed.
 */
export function withDeadline<T>(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  marginMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withTimeout(Math.max(1, context.getRemainingTimeInMillis() - marginMs), work);
}
