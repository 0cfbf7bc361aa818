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
