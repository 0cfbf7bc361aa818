import { z } from 'zod';
import { eventSchema, type LogEvent } from './event.ts';

/**
 * What travels in one SQS message: a delivery id assigned at publish (the consumer's key for
 * recognising a redelivery), the transaction size the consumer must use (fixed at publish so a
 * redelivery is always split the same way), and the events.
 */
export interface Envelope {
  v: 1;
  id: string;
  tx: number;
  events: LogEvent[];
}

/** SQS accepts 262,144 bytes per message; leave room for attributes. */
export const maxMessageBytes = 240 * 1024;

export interface PackOptions {
  requestId: string;
  eventsPerMessage: number;
  eventsPerTransaction: number;
}

export interface PackedMessage {
  id: string;
  body: string;
  /** Positions of this message's events in the publish request. */
  indexes: number[];
}

/** Packs events, in order, into as few messages as the count and byte limits allow. */
export function packEvents(events: LogEvent[], options: PackOptions): PackedMessage[] {
  const messages: PackedMessage[] = [];
  let current: { texts: string[]; indexes: number[]; bytes: number } = { texts: [], indexes: [], bytes: 0 };
  const overhead = 96;
  const flush = () => {
    if (current.texts.length === 0) return;
    const id = `${options.requestId}.${messages.length}`;
    // The JSON text of an Envelope, assembled from each event's text so that no event is serialised twice.
    const body = `{"v":1,"id":${JSON.stringify(id)},"tx":${options.eventsPerTransaction},"events":[${current.texts.join(',')}]}`;
    messages.push({ id, body, indexes: current.indexes });
    current = { texts: [], indexes: [], bytes: 0 };
  };
  events.forEach((event, index) => {
    const text = JSON.stringify(event);
    const bytes = Buffer.byteLength(text, 'utf8') + 1;
    const full = current.texts.length >= options.eventsPerMessage || overhead + current.bytes + bytes > maxMessageBytes;
    if (full) flush();
    current.texts.push(text);
    current.indexes.push(index);
    current.bytes += bytes;
  });
  flush();
  return messages;
}

const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(512),
  tx: z.number().int().min(1).max(97),
  events: z.array(eventSchema).min(1),
});

export type ReadMessage = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/**
 * Reads an SQS message body. Besides idemlog's own envelope, a bare event (e.g. sent by hand
 * with `awslocal sqs send-message`) is accepted, with the SQS message id as its delivery id.
 */
export function readMessage(body: string, messageId: string, defaultTransactionSize: number): ReadMessage {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (document !== null && typeof document === 'object' && 'v' in document) {
    const parsed = envelopeSchema.safeParse(document);
    if (parsed.success) return { ok: true, envelope: parsed.data as Envelope };
    return { ok: false, reason: `not a valid envelope: ${parsed.error.issues[0]?.message ?? 'unknown'}` };
  }
  const single = eventSchema.safeParse(document);
  if (single.success) {
    return { ok: true, envelope: { v: 1, id: `sqs:${messageId}`, tx: defaultTransactionSize, events: [single.data] } };
  }
  return { ok: false, reason: `not an event: ${single.error.issues[0]?.message ?? 'unknown'}` };
}
