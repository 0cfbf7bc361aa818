import { z } from 'zod';
import { maxChunkWrites, planChunks } from './chunks.ts';
import { TooLargeError } from './errors.ts';
import { acceptedEventSchema, eventSchema, type LogEvent } from './event.ts';
import { bareChunkId, chunkIdOf } from './identity.ts';
import { parseJson } from './json.ts';
import { limits } from './limits.ts';

/**
 * What travels in one SQS message (version 3): a run of consecutive events of one request, already
 * split into the chunks the consumer commits one transaction each:
 *   {"v":3,"request":"<request id>","first":<position of its first event>,"chunks":[[event, ...], ...]}
 * A chunk's id names its request and the positions of its first and last event (identity.ts), so
 * a redelivery is recognised chunk by chunk whatever release of the consumer reads it, and two
 * chunks holding different events never share an id.
 */
const envelopeVersion = 3;

/** SQS accepts 262,144 bytes per message; leave room for attributes. */
export const maxMessageBytes = 240 * 1024;

/**
 * SQS's character rule (on AWS and in the emulator): #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF. JSON.stringify already escapes control characters and lone surrogates, so of
 * what the rule excludes only U+FFFE and U+FFFF can be left raw in its text, and SQS refuses the
 * whole message. They can only be in strings, where an escape reads back as the same character.
 * Looking for just those two is a plain scan, where the whole rule needs a Unicode-aware one.
 */
const leftRawOutsideQueueCharset = /[\uFFFE\uFFFF]/g;

export const queueSafeJson = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text.includes('\uFFFE') || text.includes('\uFFFF')
    ? text.replace(leftRawOutsideQueueCharset, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    : text;
};

/** Each event as it travels: its JSON text in the queue's character set. Throws TooLargeError naming every event over the limit. */
export function encodeEvents(events: LogEvent[]): string[] {
  const texts = events.map(queueSafeJson);
  const oversize = texts.flatMap((text, index) => {
    const bytes = Buffer.byteLength(text, 'utf8');
    return bytes > limits.maxEventBytes
      ? [{ index, path: `events[${index}]`, message: `event is ${bytes} bytes as it travels; the limit is ${limits.maxEventBytes}` }]
      : [];
  });
  if (oversize.length > 0) throw new TooLargeError(`${oversize.length} event(s) exceed the size limit`, oversize);
  return texts;
}

export interface Packing {
  eventsPerMessage: number;
  eventsPerTransaction: number;
}

/** One message of a request: the sizes of its chunks, in order. Its events follow those of the messages before it. */
export interface MessagePlan {
  chunks: number[];
}

export const eventsIn = (message: MessagePlan) => message.chunks.reduce((sum, size) => sum + size, 0);

/** Packs a request's events, in order, into as few messages as the count and byte limits allow, each split into chunks. */
export function planMessages(events: LogEvent[], texts: string[], packing: Packing): MessagePlan[] {
  const plans: MessagePlan[] = [];
  let first = 0;
  let bytes = 0;
  const overhead = 192;
  const flush = (end: number) => {
    if (end === first) return;
    const chunks = planChunks(events.slice(first, end), { maxEvents: packing.eventsPerTransaction, maxWrites: maxChunkWrites });
    plans.push({ chunks: chunks.map((chunk) => chunk.length) });
    first = end;
    bytes = 0;
  };
  texts.forEach((text, position) => {
    // Each event costs its text, a separator, and at worst the brackets of a chunk of its own.
    const size = Buffer.byteLength(text, 'utf8') + 3;
    if (position - first >= packing.eventsPerMessage || overhead + bytes + size > maxMessageBytes) flush(position);
    bytes += size;
  });
  flush(texts.length);
  return plans;
}

export interface PackedMessage {
  body: string;
  /** Each chunk's id, and the positions in the body being sent of its events. */
  chunks: Array<{ id: string; positions: number[] }>;
}

/**
 * The message for one plan entry. `first` is the request position of its first event; `positions`
 * are where its events sit in the body being sent now (a retry of just the events a 503 named
 * holds them at other positions than the request did).
 */
export function encodeMessage(requestId: string, plan: MessagePlan, first: number, texts: string[], positions: number[]): PackedMessage {
  const chunks: PackedMessage['chunks'] = [];
  const groups: string[] = [];
  let offset = 0;
  for (const size of plan.chunks) {
    const at = positions.slice(offset, offset + size);
    chunks.push({ id: chunkIdOf(requestId, first + offset, first + offset + size - 1), positions: at });
    groups.push(`[${at.map((p) => texts[p]).join(',')}]`);
    offset += size;
  }
  const body = `{"v":${envelopeVersion},"request":${JSON.stringify(requestId)},"first":${first},"chunks":[${groups.join(',')}]}`;
  return { body, chunks };
}

/** Every message of a plan, its events at their request positions. */
export function messagesOfPlan(requestId: string, plan: MessagePlan[], texts: string[]): PackedMessage[] {
  let first = 0;
  return plan.map((message) => {
    const count = eventsIn(message);
    const packed = encodeMessage(
      requestId,
      message,
      first,
      texts,
      Array.from({ length: count }, (_, i) => first + i),
    );
    first += count;
    return packed;
  });
}

/** A whole request's messages, as publish sends them (scripts and tests send these straight to the queue). */
export function packEvents(events: LogEvent[], options: Packing & { requestId: string }): PackedMessage[] {
  const texts = encodeEvents(events);
  return messagesOfPlan(options.requestId, planMessages(events, texts, options), texts);
}

/** One transaction's worth of a delivery, and the id its marker records. */
export interface Chunk {
  id: string;
  events: LogEvent[];
}

export interface Delivery {
  /** For logs: the request and the position of the message's first event, or the SQS message id of a bare event. */
  id: string;
  chunks: Chunk[];
}

export type ReadResult = { ok: true; delivery: Delivery } | { ok: false; reason: string };

const envelopeSchema = z.object({
  v: z.literal(envelopeVersion),
  request: z.string().min(1).max(128),
  first: z.number().int().min(0),
  chunks: z.array(z.array(acceptedEventSchema).min(1)).min(1),
});

/**
 * Reads an SQS message body written by publish, or a bare event sent by hand (e.g. `awslocal sqs
 * send-message`), whose chunk id is the SQS message id. Events in an envelope were validated when
 * publish accepted them, so only their structure is checked here; a bare event meets today's
 * rules. Anything else is unreadable, with the reason.
 */
export function readMessage(body: string, messageId: string): ReadResult {
  let document: unknown;
  try {
    document = parseJson(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  if ('v' in document) {
    const version = (document as { v: unknown }).v;
    if (version !== envelopeVersion)
      return { ok: false, reason: `envelope version ${JSON.stringify(version)} is not one this consumer reads` };
    const parsed = envelopeSchema.safeParse(document);
    if (!parsed.success) return { ok: false, reason: `not a valid envelope: ${firstIssue(parsed.error)}` };
    const { request, first } = parsed.data;
    let position = first;
    const chunks = parsed.data.chunks.map((events) => {
      const chunk = { id: chunkIdOf(request, position, position + events.length - 1), events };
      position += events.length;
      return chunk;
    });
    return { ok: true, delivery: { id: `${request}/${first}`, chunks } };
  }
  const single = eventSchema.safeParse(document);
  if (!single.success) return { ok: false, reason: `not an event: ${firstIssue(single.error)}` };
  const id = bareChunkId(messageId);
  return { ok: true, delivery: { id, chunks: [{ id, events: [single.data] }] } };
}

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unknown';
};
