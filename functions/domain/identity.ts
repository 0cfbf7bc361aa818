import { createHash, hash, randomUUID } from 'node:crypto';
import type { EventIdentity, LogEvent } from './event.ts';

/**
 * Every id idemlog derives, in one place; docs/ARCHITECTURE.md ("Identities") says why no two
 * different things can share one.
 *
 *   event key      (topic, event_id) as JSON [topic, event_id]           what is stored once
 *   fingerprint    SHA-256 of the request's events in canonical form     what makes two bodies the same request
 *   request id     keyed: from SHA-256(scoped key, fingerprint);         one accepted request
 *                  unkeyed: a random UUID
 *   chunk id       <request id>/<first>-<last>                           one transaction's worth of a request,
 *                  (positions of its events in the request)              recorded by its marker
 */

/** The identity (topic, event_id) as one string; also the events table's key. */
export const eventKey = (event: EventIdentity): string => JSON.stringify([event.topic, event.event_id]);

/** An Idempotency-Key as the request records store it: scoped to the caller (its API key), so two callers never collide. */
export const scopedKey = (caller: string, key: string) => `${caller}\n${key}`;

/**
 * JSON with every object's keys in code-unit order, so that the same events with payload keys in
 * another order are the same request. Recursion is bounded: payloads are validated to a fixed depth first.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a body carries, in order: two bodies with this fingerprint hold the same events in the same positions. */
export function fingerprintOf(events: LogEvent[]): string {
  const digest = createHash('sha256');
  for (const event of events) {
    digest.update(canonicalJson([event.topic, event.event_id, event.timestamp, event.source, event.payload]));
    digest.update('\n');
  }
  return digest.digest('base64url');
}

/** The request id of a keyed request: its key and its body, so a retry of the same body under the same key is the same request. */
export function keyedRequestId(scoped: string, fingerprint: string): string {
  const hex = hash('sha256', `${scoped}\n${fingerprint}`, 'hex');
  // Version 8 ("custom") marks a derived id; random ids are version 4, so the two kinds never meet.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The request id of a request without a key. */
export const randomRequestId = (): string => randomUUID();

/** A chunk of a request: the positions of its first and last event fix which events it holds. */
export const chunkIdOf = (requestId: string, first: number, last: number): string => `${requestId}/${first}-${last}`;

/** The chunk id of a bare event sent straight to the queue (not by publish): SQS's own message id. */
export const bareChunkId = (messageId: string): string => `sqs:${messageId}`;

/** The fingerprint of a message body the consumer cannot read, so that it is counted once in `rejected`. */
export const bodyFingerprintOf = (body: string): string => hash('sha256', body, 'base64url');
