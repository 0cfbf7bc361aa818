import { z } from 'zod';
import { maxChunkWrites, planChunks } from './chunks.ts';
import { type EnvelopeV1, planChunksV1 } from './envelope-v1.ts';
import { acceptedEventSchema, eventSchema, type LogEvent } from './event.ts';

/**
 * What travels in one SQS message (version 2): a delivery id assigned at publish and the events,
 * already split into the chunks the consumer commits one transaction each:
 *   {"v":2,"id":"<request id>.<n>","chunks":[[event, ...], ...]}
 * Chunk i's marker is `<id>#<i>`. Because publish fixes the chunks, a redelivery is recognised
 * chunk by chunk whatever release of the consumer reads it, with whatever budgets.
 */
const envelopeVersion = 2;

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
  /** Positions in the publish request of each chunk's events. */
  chunks: number[][];
}

/** Packs events, in order, into as few messages as the count and byte limits allow, each split into chunks. */
export function packEvents(events: LogEvent[], options: PackOptions): PackedMessage[] {
  const messages: PackedMessage[] = [];
  let positions: number[] = [];
  let texts: string[] = [];
  let bytes = 0;
  const overhead = 128;
  const flush = () => {
    if (positions.length === 0) return;
    const id = `${options.requestId}.${messages.length}`;
    const chunks = planChunks(
      positions.map((p) => events[p]!),
      { maxEvents: options.eventsPerTransaction, maxWrites: maxChunkWrites },
    );
    // The JSON text of the envelope, assembled from each event's text so that no event is serialised twice.
    const body = `{"v":${envelopeVersion},"id":${JSON.stringify(id)},"chunks":[${chunks.map((chunk) => `[${chunk.map((i) => texts[i]).join(',')}]`).join(',')}]}`;
    messages.push({ id, body, chunks: chunks.map((chunk) => chunk.map((i) => positions[i]!)) });
    positions = [];
    texts = [];
    bytes = 0;
  };
  events.forEach((event, position) => {
    const text = JSON.stringify(event);
    // Each event costs its text, a separator, and at worst the brackets of a chunk of its own.
    const size = Buffer.byteLength(text, 'utf8') + 3;
    if (positions.length >= options.eventsPerMessage || overhead + bytes + size > maxMessageBytes) flush();
    positions.push(position);
    texts.push(text);
    bytes += size;
  });
  flush();
  return messages;
}

/** One transaction's worth of a delivery, and the marker that records it was applied. */
export interface Chunk {
  markerId: string;
  events: LogEvent[];
}

export interface Delivery {
  id: string;
  /** 0 for a bare event sent straight to the queue, else the envelope version. */
  version: 0 | 1 | 2;
  chunks: Chunk[];
}

export type ReadResult = { ok: true; delivery: Delivery } | { ok: false; reason: string };

const deliveryId = z.string().min(1).max(512);
const envelopeV2Schema = z.object({ v: z.literal(2), id: deliveryId, chunks: z.array(z.array(acceptedEventSchema).min(1)).min(1) });
const envelopeV1Schema = z.object({
  v: z.literal(1),
  id: deliveryId,
  tx: z.number().int().min(1).max(97),
  events: z.array(acceptedEventSchema).min(1),
});

const chunksOf = (id: string, groups: LogEvent[][]): Chunk[] => groups.map((events, i) => ({ markerId: `${id}#${i}`, events }));

/**
 * Reads an SQS message body written by any release of publish (envelope versions 1 and 2), or a
 * bare event sent by hand (e.g. `awslocal sqs send-message`), whose delivery id is the SQS message
 * id. Events in an envelope were validated when publish accepted them, so only their structure is
 * checked here; a bare event meets today's rules. Anything else is unreadable, with the reason.
 */
export function readMessage(body: string, messageId: string): ReadResult {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  if ('v' in document) {
    const version = (document as { v: unknown }).v;
    if (version === 2) {
      const parsed = envelopeV2Schema.safeParse(document);
      if (!parsed.success) return { ok: false, reason: `not a valid version 2 envelope: ${firstIssue(parsed.error)}` };
      return { ok: true, delivery: { id: parsed.data.id, version: 2, chunks: chunksOf(parsed.data.id, parsed.data.chunks) } };
    }
    if (version === 1) {
      const parsed = envelopeV1Schema.safeParse(document);
      if (!parsed.success) return { ok: false, reason: `not a valid version 1 envelope: ${firstIssue(parsed.error)}` };
      const envelope: EnvelopeV1 = parsed.data as EnvelopeV1;
      const groups = planChunksV1(envelope).map((chunk) => chunk.map((i) => envelope.events[i]!));
      return { ok: true, delivery: { id: envelope.id, version: 1, chunks: chunksOf(envelope.id, groups) } };
    }
    return { ok: false, reason: `envelope version ${JSON.stringify(version)} is not one this consumer reads` };
  }
  const single = eventSchema.safeParse(document);
  if (!single.success) return { ok: false, reason: `not an event: ${firstIssue(single.error)}` };
  const id = `sqs:${messageId}`;
  return { ok: true, delivery: { id, version: 0, chunks: chunksOf(id, [[single.data]]) } };
}

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unknown';
};
