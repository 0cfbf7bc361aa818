import { hash } from 'node:crypto';
import { canonicalJson } from '../../domain/identity.ts';

/**
 * A record a shipper sent, in idemlog's terms, before the event rules check it. Its event_id is
 * the record's own id where the protocol has one; otherwise a hash of everything the record
 * carries (its `content`), so that a shipper's retry of the same record, in whatever batch, is the
 * same event, and two records that differ in anything they carry are two. A record that carries no
 * time is identified by its content alone: identical untimed records are one event.
 */
export interface ShippedRecord {
  topic: string;
  source: string;
  /** RFC 3339 with every digit the protocol gave; the receive time where it gave none. */
  timestamp: string;
  payload: Record<string, unknown>;
  ownId?: string;
  /** What makes two records the same when the protocol gives no id: the record as sent, receive time excluded. */
  content: unknown;
}

export function candidateOf(protocol: string, record: ShippedRecord): Record<string, unknown> {
  return {
    topic: record.topic,
    event_id: record.ownId ?? `${protocol}:${hash('sha256', canonicalJson(record.content), 'base64url')}`,
    timestamp: record.timestamp,
    source: record.source,
    payload: record.payload,
  };
}

const nanosPerSecond = 1_000_000_000n;

/** Nanoseconds since the epoch as RFC 3339 UTC with nine fractional digits: no digit lost. */
export function timestampOfNanos(nanos: bigint): string {
  // Past 9999-12-31 no RFC 3339 form exists: the event rules refuse the record with their message.
  if (nanos >= 253402300800n * nanosPerSecond) return `${nanos} ns since the epoch`;
  const seconds = nanos / nanosPerSecond;
  const fraction = nanos % nanosPerSecond;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

/** A decimal count of nanoseconds as a shipper writes it, or undefined when it is not one. */
export function nanosOf(text: unknown): bigint | undefined {
  // A JSON number: the strict parser has made sure it reads back as written, so every digit is exact.
  if (typeof text === 'number' && Number.isInteger(text) && text >= 0 && text < 2 ** 64) return BigInt(String(text));
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) return undefined;
  return BigInt(text);
}

/** Epoch seconds with an optional fraction ("1733400000.123456789", as Splunk and others send), as nanoseconds. */
export function nanosOfSeconds(value: unknown): bigint | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) return undefined;
  return BigInt(match[1]!) * nanosPerSecond + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export const receivedAt = (now: number = Date.now()): string => timestampOfNanos(BigInt(now) * 1_000_000n);

/** An object with only the entries that carry something: absent and empty fields are not sent on. */
export function present(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entries).filter(
      ([, value]) =>
        value !== undefined &&
        value !== '' &&
        !(Array.isArray(value) && value.length === 0) &&
        !(value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0),
    ),
  );
}

/** Sets a key as an own property, `__proto__` included: an assignment would change the prototype and lose the entry. */
export function entryOf(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
