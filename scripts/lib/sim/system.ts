import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCounterStore } from '../../../functions/adapters/dynamo-counters.ts';
import { DynamoDbEventStore } from '../../../functions/adapters/dynamo-events.ts';
import { DynamoDbLedger } from '../../../functions/adapters/dynamo-ledger.ts';
import { DynamoDbOutcomeReader } from '../../../functions/adapters/dynamo-outcomes.ts';
import { DynamoDbRequestRecords } from '../../../functions/adapters/dynamo-request-records.ts';
import { byTimeIndex, byTopicIndex, fromEventItem } from '../../../functions/adapters/items.ts';
import { SqsDepth } from '../../../functions/adapters/sqs-depth.ts';
import { SqsEventQueue } from '../../../functions/adapters/sqs-queue.ts';
import { consumeMessage } from '../../../functions/domain/consume.ts';
import { parseEventsQuery, readEventsPage } from '../../../functions/domain/events-page.ts';
import { publish } from '../../../functions/domain/publish.ts';
import { parseStatsQuery, readStats } from '../../../functions/domain/stats.ts';
import { decodePublishRequest } from '../../../functions/edge/publish-http.ts';
import { toErrorReply } from '../../../functions/shared/http.ts';
import type { HttpRequest } from './client.ts';
import type { FakeDynamo } from './fake-dynamo.ts';
import type { FakeSqs } from './fake-sqs.ts';
import type { Answer } from './history.ts';

/**
 * idemlog's real code, wired as its handlers wire it, over the simulated services: what the
 * simulator calls. This is the one file that knows idemlog's functions; the rest of the simulator
 * speaks HTTP-shaped requests and SQS messages, so that the same scenarios run against another
 * release by giving it a file like this one.
 */
export const tables = {
  events: 'events',
  ledger: 'ledger',
  requests: 'requests',
  queueUrl: 'http://sim/queue',
  deadLetterUrl: 'http://sim/queue-dlq',
};

export const tableSchemas = {
  [tables.events]: {
    hash: 'id',
    indexes: { [byTopicIndex]: { hash: 'topic_lane', range: 'ts_key' }, [byTimeIndex]: { hash: 'time_lane', range: 'ts_key' } },
  },
  [tables.ledger]: { hash: 'pk', range: 'sk' },
  [tables.requests]: { hash: 'id' },
};

export interface SystemConfig {
  packing: { eventsPerMessage: number; eventsPerTransaction: number };
  counterShards: number;
  totalsShards: number;
  recordLifetimeSeconds: number;
  /** The publish function's timeout: a wait ends before it, and it is how long an attempt holds a key. */
  publishTimeoutMs: number;
}

export interface System {
  http(request: HttpRequest, signal?: AbortSignal): Promise<Answer>;
  /** One message, as the process function applies it; throws when the message must come back. */
  consume(body: string, messageId: string, options: { peek: boolean; signal?: AbortSignal }): Promise<void>;
  /** The chunk that stored each event, read from the tables, for the checker. */
  storedEvents(): Array<{ topic: string; event_id: string; timestamp: string; source: string; payload: unknown; chunkId: string }>;
}

export function buildSystem(dynamo: FakeDynamo, sqs: FakeSqs, config: SystemConfig): System {
  for (const [name, schema] of Object.entries(tableSchemas)) dynamo.createTable(name, schema);
  const documentClient = dynamo as unknown as DynamoDBDocumentClient;
  const sqsClient = sqs as unknown as SQSClient;
  const ledger = new DynamoDbLedger(documentClient, { eventsTable: tables.events, ledgerTable: tables.ledger, retentionDays: 0 });
  const services = () => ({
    queue: new SqsEventQueue(sqsClient, tables.queueUrl),
    outcomes: new DynamoDbOutcomeReader(documentClient, tables.ledger),
    records: new DynamoDbRequestRecords(documentClient, tables.requests, config.recordLifetimeSeconds),
    packing: config.packing,
  });
  const eventStore = new DynamoDbEventStore(documentClient, tables.events);
  const counters = new DynamoDbCounterStore(documentClient, { ledgerTable: tables.ledger });
  const depth = new SqsDepth(sqsClient, { queueUrl: tables.queueUrl, deadLetterUrl: tables.deadLetterUrl });

  return {
    async http(request, signal) {
      const started = Date.now();
      try {
        if (request.path === '/publish') {
          const parsed = decodePublishRequest({
            body: request.body ?? null,
            contentType: request.headers['content-type'],
            query: request.query,
            idempotencyKey: request.headers['idempotency-key'],
            prefer: request.headers.prefer,
          });
          const remaining = () => config.publishTimeoutMs - (Date.now() - started);
          const { replayed, ...body } = await publish({ ...parsed, caller: request.caller }, services(), {
            signal,
            waitLimitMs: remaining() - 2000,
            leaseMs: remaining(),
          });
          return {
            status: body.status === 'applied' ? 200 : 202,
            body,
            ...(replayed ? { headers: { 'idempotent-replayed': 'true' } } : {}),
          };
        }
        if (request.path === '/events')
          return { status: 200, body: await readEventsPage(parseEventsQuery(request.query), eventStore, signal) };
        return {
          status: 200,
          body: await readStats(
            parseStatsQuery(request.query),
            { counters, queueDepth: (s) => depth.read(s), startedAt: async () => new Date(0) },
            signal,
          ),
        };
      } catch (error) {
        const reply = toErrorReply(error);
        return { status: reply.status, body: reply.body };
      }
    },
    async consume(body, messageId, options) {
      const outcome = await consumeMessage(body, messageId, ledger, {
        counterShards: config.counterShards,
        totalsShards: config.totalsShards,
        peek: options.peek,
        signal: options.signal,
      });
      if (outcome.status === 'unreadable') throw new Error(`unreadable: ${outcome.reason}`);
    },
    storedEvents() {
      // As /events reads them.
      return dynamo.itemsOf(tables.events).map((item) => ({ ...fromEventItem(item), chunkId: String(item.chunk_id) }));
    },
  };
}
