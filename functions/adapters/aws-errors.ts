import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * Whether an AWS error may go away by itself (throttling, a timeout, a 5xx), as the SDK's own
 * retry strategy classifies it. Anything else (access denied, a missing queue or table, a bad
 * request) will fail the same way every time.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
}
