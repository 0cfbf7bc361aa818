import { DomainError, MalformedBodyError } from '../../domain/errors.ts';
import type { LogEvent } from '../../domain/event.ts';
import { limits } from '../../domain/limits.ts';
import { sortRecords } from '../../domain/publish-request.ts';
import { type HttpReply, type Problem, problemOf } from '../../shared/http.ts';
import { assertBodySize } from '../publish-http.ts';
import { expandContent } from './compression.ts';
import { bulkAnswer, bulkItems } from './elastic.ts';
import { lokiFormatOf, lokiRecords } from './loki.ts';
import { type OtlpFormat, otlpError, otlpFormatOf, otlpRecords, otlpSuccess } from './otlp.ts';
import { HecError, hecRecords } from './splunk.ts';

/**
 * The shippers' protocols at the front door: each request is decoded into candidate events, the
 * valid ones go to `ingest` (publish, unkeyed: every record's event_id already makes a retry the
 * same event), and the outcome goes back in the protocol's own words. Statuses come from
 * shared/http.ts; each protocol only says them its way.
 */
export type Protocol = 'otlp' | 'loki' | 'elastic' | 'splunk';

export interface ShipperRequest {
  protocol: Protocol;
  /** The index a `/<index>/_bulk` path names. */
  pathIndex?: string;
  body: string | null;
  isBase64Encoded?: boolean;
  contentType?: string;
  contentEncoding?: string;
}

export type Ingest = (events: LogEvent[]) => Promise<unknown>;

export async function ship(request: ShipperRequest, ingest: Ingest): Promise<HttpReply> {
  // Shippers send batches larger than a publish request may hold; their bodies bound them.
  const inSlices: Ingest = async (events) => {
    for (let from = 0; from < events.length; from += limits.maxEventsPerRequest)
      await ingest(events.slice(from, from + limits.maxEventsPerRequest));
  };
  return answer(request, inSlices);
}

async function answer(request: ShipperRequest, ingest: Ingest): Promise<HttpReply> {
  switch (request.protocol) {
    case 'otlp':
      return otlp(request, ingest);
    case 'loki':
      return loki(request, ingest);
    case 'elastic':
      return elastic(request, ingest);
    case 'splunk':
      return splunk(request, ingest);
  }
}

function bytesOf(request: ShipperRequest): Uint8Array {
  const raw = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  assertBodySize(raw.length);
  return expandContent(raw, request.contentEncoding);
}

/**
 * The problem a shipper is told of. A decoder that fails on a body it did not foresee has met a
 * body no shipper should send: 400, not a 500 the shipper drops. An unexpected failure anywhere
 * else is 503, which every shipper retries (a 500 is dropped by OTLP exporters), as Loki does.
 */
function shippersProblem(thrown: unknown, decoded: boolean): Problem {
  const problem = problemOf(
    !decoded && !(thrown instanceof DomainError)
      ? new MalformedBodyError(`the body cannot be read: ${(thrown as Error)?.message}`)
      : thrown,
  );
  return problem.status === 500 ? { ...problem, status: 503, retryAfter: 1 } : problem;
}

const retryHeaders = (problem: Problem): Record<string, string> =>
  problem.retryAfter === undefined ? {} : { 'Retry-After': String(problem.retryAfter) };
const summary = (rejected: Array<{ index?: number; message: string }>) =>
  rejected.length === 0 ? undefined : `record ${rejected[0]!.index}: ${rejected[0]!.message}`;

async function otlp(request: ShipperRequest, ingest: Ingest): Promise<HttpReply> {
  let format: OtlpFormat = 'json';
  let decoded = false;
  try {
    format = otlpFormatOf(request.contentType);
    const { events, rejected } = sortRecords(otlpRecords(bytesOf(request), format));
    decoded = true;
    if (events.length > 0) await ingest(events);
    const answer = otlpSuccess(rejected.length, summary(rejected), format);
    return {
      status: answer.status,
      body: answer.body,
      headers: { 'content-type': answer.contentType },
      raw: true,
      log: { accepted: events.length, rejected: rejected.length },
    };
  } catch (thrown) {
    const problem = shippersProblem(thrown, decoded);
    const answer = otlpError(problem.status, problem.message, format, problem.retryAfter);
    return { status: answer.status, body: answer.body, headers: { 'content-type': answer.contentType, ...answer.headers }, raw: true };
  }
}

async function loki(request: ShipperRequest, ingest: Ingest): Promise<HttpReply> {
  let decoded = false;
  try {
    const { events, rejected } = sortRecords(lokiRecords(bytesOf(request), lokiFormatOf(request.contentType)));
    decoded = true;
    if (events.length > 0) await ingest(events);
    // As Loki does: the valid entries are stored, and a 400 names what was not.
    if (rejected.length > 0)
      return text(
        400,
        `${rejected.length} of ${rejected.length + events.length} entries refused; the others are stored. ${summary(rejected)}`,
      );
    return { status: 204, body: '', headers: {}, raw: true, log: { accepted: events.length } };
  } catch (thrown) {
    const problem = shippersProblem(thrown, decoded);
    return text(problem.status, problem.message, retryHeaders(problem));
  }
}

async function elastic(request: ShipperRequest, ingest: Ingest): Promise<HttpReply> {
  const started = Date.now();
  let decoded = false;
  try {
    const items = bulkItems(bytesOf(request), request.pathIndex);
    const withCandidates = items.flatMap((item, i) => (item.candidate ? [i] : []));
    const { events, rejected } = sortRecords(withCandidates.map((i) => items[i]!.candidate));
    decoded = true;
    if (events.length > 0) await ingest(events);
    const problems = new Map(rejected.map((r) => [withCandidates[r.index!]!, `${r.path ? `${r.path}: ` : ''}${r.message}`]));
    return {
      status: 200,
      body: bulkAnswer(items, problems, Date.now() - started),
      headers: elasticHeaders,
      log: { accepted: events.length },
    };
  } catch (thrown) {
    const problem = shippersProblem(thrown, decoded);
    const type =
      problem.status >= 500 ? 'unavailable_exception' : problem.status === 413 ? 'content_too_long_exception' : 'parse_exception';
    return {
      status: problem.status,
      body: { error: { type, reason: problem.message }, status: problem.status },
      headers: { ...elasticHeaders, ...retryHeaders(problem) },
    };
  }
}

/** Elasticsearch clients refuse an answer without it. */
const elasticHeaders = { 'x-elastic-product': 'Elasticsearch' };

async function splunk(request: ShipperRequest, ingest: Ingest): Promise<HttpReply> {
  let decoded = false;
  try {
    const candidates = hecRecords(bytesOf(request));
    const { events, rejected } = sortRecords(candidates);
    if (rejected.length > 0) throw new HecError(6, 'Invalid data format', rejected[0]!.index);
    decoded = true;
    await ingest(events);
    return { status: 200, body: { text: 'Success', code: 0 }, log: { accepted: events.length } };
  } catch (thrown) {
    if (thrown instanceof HecError)
      return {
        status: 400,
        body: {
          text: thrown.text,
          code: thrown.code,
          ...(thrown.invalidEventNumber === undefined ? {} : { 'invalid-event-number': thrown.invalidEventNumber }),
        },
      };
    const problem = shippersProblem(thrown, decoded);
    const [code, message] =
      problem.status >= 500 ? [9, 'Server is busy'] : problem.status === 413 ? [27, 'Content too large'] : [6, 'Invalid data format'];
    return { status: problem.status, body: { text: message, code, detail: problem.message }, headers: retryHeaders(problem) };
  }
}

const text = (status: number, message: string, headers: Record<string, string> = {}): HttpReply => ({
  status,
  body: `${message}\n`,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  raw: true,
});
