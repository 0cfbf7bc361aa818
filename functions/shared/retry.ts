import pRetry from 'p-retry';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Which failures are worth another attempt; anything else is thrown at once. */
  retryable: (error: unknown) => boolean;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Ends the waiting and the attempts, e.g. when the invocation's deadline comes. */
  signal?: AbortSignal;
}

/**
 * The one retry policy for idemlog's own retry loops (contended transactions, refused SQS entries,
 * clients that retry a publish): exponential backoff, each delay jittered by up to 2×, bounded by attempts and by
 * the caller's signal. Transient errors of a single AWS call are the SDK's to retry, not this.
 */
export function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  return pRetry(operation, {
    retries: Math.max(0, options.attempts - 1),
    minTimeout: options.minDelayMs ?? 25,
    maxTimeout: options.maxDelayMs ?? 1000,
    factor: 2,
    randomize: true,
    signal: options.signal,
    shouldRetry: ({ error }) => options.retryable(error),
  });
}

/** Thrown when a poll gives up: says what was awaited and for how long. */
export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
}

class NotYet extends Error {}

/**
 * Calls `check` every `intervalMs` until it returns something other than undefined, for at most
 * `timeoutMs`. A check that throws ends the poll, unless `retryable` says the error passes; the
 * last such error is the timeout's cause. The same policy as withRetries, with a fixed interval.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: { what: string; timeoutMs: number; intervalMs: number; signal?: AbortSignal; retryable?: (error: unknown) => boolean },
): Promise<T> {
  let lastError: unknown;
  try {
    return await pRetry(
      async () => {
        let value: T | undefined;
        try {
          value = await check();
        } catch (error) {
          if (!options.retryable?.(error)) throw error;
          lastError = error;
          throw new NotYet('check failed');
        }
        if (value === undefined) throw new NotYet('not yet');
        return value;
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: options.intervalMs,
        maxTimeout: options.intervalMs,
        factor: 1,
        randomize: false,
        maxRetryTime: options.timeoutMs,
        signal: options.signal,
        shouldRetry: ({ error }) => error instanceof NotYet,
      },
    );
  } catch (error) {
    if (!(error instanceof NotYet)) throw error;
    throw new PollTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`, { cause: lastError });
  }
}
