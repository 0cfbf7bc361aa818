import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline, withTimeout } from '../../functions/shared/deadline.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout and withDeadline', () => {
  it('leave no timer behind when the work ends, whether it succeeds or fails', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(60_000, async () => 'done')).resolves.toBe('done');
    await expect(
      withDeadline({ getRemainingTimeInMillis: () => 28_000 }, 1000, async () => {
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('abort the signal when the work ends, so that a call the work left running stops with it', async () => {
    const leftOver = await withTimeout(60_000, async (signal) => signal);
    expect(leftOver.aborted).toBe(true);
    expect((leftOver.reason as DOMException).name).toBe('AbortError');
  });

  it('abort the signal with a TimeoutError when the work outlasts the time', async () => {
    vi.useFakeTimers();
    const seen = withDeadline({ getRemainingTimeInMillis: () => 5000 }, 1000, (signal) => {
      return new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve((signal.reason as DOMException).name)));
    });
    await vi.advanceTimersByTimeAsync(3999);
    vi.advanceTimersByTime(1);
    await expect(seen).resolves.toBe('TimeoutError');
  });
});
