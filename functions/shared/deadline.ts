import type { Context } from 'aws-lambda';

/**
 * A signal that aborts `marginMs` before the invocation's own timeout, so that work still running
 * is cancelled and answered for (an HTTP error, a batch item failure) instead of being killed.
 */
export function deadlineSignal(context: Pick<Context, 'getRemainingTimeInMillis'>, marginMs: number): AbortSignal {
  return AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - marginMs));
}
