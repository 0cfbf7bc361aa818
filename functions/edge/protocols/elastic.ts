import { MalformedBodyError, TooLargeError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { parseTimestamp } from '../../domain/timestamp.ts';
import { parseStrictJson } from '../json-text.ts';
import { utf8Of } from '../publish-http.ts';
import { candidateOf, receivedAt } from './shipped.ts';

/**
 * Elasticsearch's bulk API (`POST /_bulk`, `POST /<index>/_bulk`), as log shippers use it: NDJSON
 * pairs of an `index` or `create` action and a document. Each document becomes one event:
 *   topic      the action's `_index`, else the path's index
 *   source     the document's `host.name`, `host` (a string) or `agent.name`, else `elasticsearch`
 *   timestamp  the document's `@timestamp` (RFC 3339), else the receive time
 *   event_id   the action's `_id`, else `es:` and a hash of the index and the document
 *   payload    the document, as sent
 * Other actions (`update`, `delete`) are answered per item with a 400: a log is never changed.
 * A second document under an `_id` already stored is answered `created` like the first (never the
 * 409 some shippers retry forever) and dropped as a duplicate: the first document is kept.
 */
export interface BulkItem {
  action: 'index' | 'create' | string;
  index: string | undefined;
  id: string | undefined;
  /** The candidate event, or why the item cannot be one. */
  candidate?: Record<string, unknown>;
  problem?: string;
}

const knownActions = new Set(['index', 'create', 'update', 'delete']);
/** Actions in one bulk request: as many as its events may be, and an answer far below Lambda's 6 MB. */
const maxActions = 10_000;
/** What an answer echoes of an index or id: enough to find it, never the megabytes a client may send. */
const echoed = (text: string | undefined) => (text === undefined ? '' : text.length > 512 ? `${text.slice(0, 512)}…` : text);

export function bulkItems(bytes: Uint8Array, pathIndex: string | undefined, now = Date.now()): BulkItem[] {
  const lines = utf8Of(bytes).split('\n');
  const items: BulkItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const action = parseLine(lines[i]!, i);
    const [name, meta] = Object.entries(action ?? {})[0] ?? [];
    if (name === undefined || Object.keys(action as object).length !== 1 || meta === null || typeof meta !== 'object')
      throw new MalformedBodyError(`line ${i + 1}: expected an action such as {"index": {...}}`);
    if (!knownActions.has(name)) throw new MalformedBodyError(`line ${i + 1}: unknown action ${JSON.stringify(name.slice(0, 40))}`);
    // Counted before anything is kept: the answer has an item per action, and must stay small.
    if (items.length >= maxActions) throw new TooLargeError(`the bulk request has more than ${maxActions} actions; send smaller batches`);
    const { _index, _id } = meta as { _index?: unknown; _id?: unknown };
    const index = typeof _index === 'string' ? _index : pathIndex;
    const id = typeof _id === 'string' && _id !== '' ? _id : undefined;
    if (name === 'delete') {
      items.push({ action: name, index, id, problem: 'delete is not supported: a stored log is never removed' });
      continue;
    }
    const document = parseLine(lines[++i] ?? '', i);
    if (name !== 'index' && name !== 'create') {
      items.push({ action: name, index, id, problem: `${name} is not supported: send index or create` });
      continue;
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      items.push({ action: name, index, id, problem: 'the document must be a JSON object' });
      continue;
    }
    if (index === undefined) {
      items.push({ action: name, index, id, problem: 'no index: name one in the action or the path' });
      continue;
    }
    const doc = document as Record<string, unknown>;
    const stamp = typeof doc['@timestamp'] === 'string' ? parseTimestamp(doc['@timestamp']) : undefined;
    const host = doc.host as { name?: unknown } | string | undefined;
    const source = [typeof host === 'string' ? host : host?.name, (doc.agent as { name?: unknown } | undefined)?.name].find(
      (name): name is string => typeof name === 'string' && name !== '',
    );
    items.push({
      action: name,
      index,
      id,
      candidate: candidateOf('es', {
        topic: index,
        source: source ?? 'elasticsearch',
        // A @timestamp that is not RFC 3339 goes to the event rules as sent, which refuse it by name.
        timestamp: stamp === undefined ? receivedAt(now) : stamp.ok ? stamp.value.text : String(doc['@timestamp']),
        payload: doc,
        ...(id ? { ownId: id } : {}),
        content: [index, doc],
      }),
    });
  }
  if (items.length === 0) throw new MalformedBodyError('the bulk request holds no actions');
  return items;
}

function parseLine(line: string, i: number): unknown {
  const parsed = parseStrictJson(line, limits.maxDocumentDepth);
  if (!parsed.ok) throw new MalformedBodyError(`line ${i + 1} is not valid JSON: ${parsed.syntax}`);
  if (parsed.problems.length > 0) throw new MalformedBodyError(`line ${i + 1}: ${parsed.problems[0]!.message}`);
  return parsed.value;
}

/** The bulk answer: one item per action, in order; a record already stored is `created` like a new one, never a 409 a shipper retries forever. */
export function bulkAnswer(items: BulkItem[], problems: Map<number, string>, tookMs: number): Record<string, unknown> {
  const answers = items.map((item, i) => {
    const problem = item.problem ?? problems.get(i);
    const base = { _index: echoed(item.index), _id: echoed(item.id ?? (item.candidate?.event_id as string | undefined)) };
    return {
      [item.action]: problem
        ? { ...base, status: 400, error: { type: 'mapper_parsing_exception', reason: problem } }
        : {
            ...base,
            _version: 1,
            result: 'created',
            status: 201,
            _shards: { total: 1, successful: 1, failed: 0 },
            _seq_no: 0,
            _primary_term: 1,
          },
    };
  });
  return { took: tookMs, errors: answers.some((a) => Object.values(a)[0]!.status >= 300), items: answers };
}

/** What `GET /` answers a client that wants JSON: the handshake Elasticsearch clients make before their first bulk request. */
export const elasticInfo = {
  name: 'idemlog',
  cluster_name: 'idemlog',
  cluster_uuid: 'idemlog',
  version: {
    number: '8.11.0',
    build_flavor: 'default',
    lucene_version: '9.8.0',
    minimum_wire_compatibility_version: '7.17.0',
    minimum_index_compatibility_version: '7.0.0',
  },
  tagline: 'You Know, for Search',
};
