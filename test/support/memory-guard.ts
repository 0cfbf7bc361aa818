import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../../functions/domain/errors.ts';
import type { IdempotencyGuard } from '../../functions/domain/idempotency.ts';

/** An in-memory IdempotencyGuard with the semantics the Powertools one has. */
export class MemoryGuard implements IdempotencyGuard {
  readonly records = new Map<string, { fingerprint: string; state: 'in-progress' | 'done'; value?: object }>();

  async once<T extends object>(key: string, fingerprint: string, work: () => Promise<T>) {
    const record = this.records.get(key);
    if (record && record.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError('reused');
    if (record?.state === 'in-progress') throw new IdempotencyInProgressError('in progress');
    if (record?.state === 'done') return { value: record.value as T, replayed: true };
    this.records.set(key, { fingerprint, state: 'in-progress' });
    try {
      const value = await work();
      this.records.set(key, { fingerprint, state: 'done', value });
      return { value, replayed: false };
    } catch (error) {
      this.records.delete(key);
      throw error;
    }
  }
}
