import type { RequestRecord, RequestRecordStore } from '../../functions/domain/request-record.ts';

/** Request records in a Map, with the DynamoDB store's conditional writes. */
export class MemoryRequestRecords implements RequestRecordStore {
  readonly records = new Map<string, RequestRecord>();

  async read(key: string) {
    const record = this.records.get(key);
    return record && structuredClone(record);
  }

  async create(key: string, record: RequestRecord) {
    if (this.records.has(key)) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }

  async replace(key: string, record: RequestRecord, expectedVersion: number) {
    if (this.records.get(key)?.version !== expectedVersion) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }

  /** The guard forgets: the record's time has passed. */
  expire(key: string) {
    this.records.delete(key);
  }
}
