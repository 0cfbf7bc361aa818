import snappy from 'snappyjs';
import { encodeOf, lokiPushRequest, otlpTypes } from '../../functions/edge/protocols/protobuf.ts';
import type { WorkloadEvent } from './workload.ts';

/**
 * A batch of workload events as a shipper of each protocol sends it, so that the benchmark can
 * measure a protocol end to end beside idemlog's own publish. Each keeps the events' identities:
 * OTLP and Elasticsearch carry the event_id as the record's own id; Loki and HEC records are
 * identified by their content, and the workload's duplicates are exact copies.
 */
export type Protocol = 'native' | 'otlp' | 'loki' | 'elastic' | 'splunk';
export const protocols: Protocol[] = ['native', 'otlp', 'loki', 'elastic', 'splunk'];

export interface ProtocolRequest {
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** Whether the answer says every record was taken. */
  took(status: number, body: unknown): boolean;
}

const nanosOf = (timestamp: string) => BigInt(Date.parse(timestamp)) * 1_000_000n;

export function protocolRequest(protocol: Protocol, events: WorkloadEvent[]): ProtocolRequest {
  switch (protocol) {
    case 'native':
      return {
        path: '/publish',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(events),
        took: (status) => status === 200 || status === 202,
      };
    case 'otlp': {
      const logRecords = events.map((event) => ({
        timeUnixNano: nanosOf(event.timestamp).toString(),
        body: { stringValue: JSON.stringify(event.payload) },
        attributes: [
          { key: 'idemlog.topic', value: { stringValue: event.topic } },
          { key: 'log.record.uid', value: { stringValue: event.event_id } },
          { key: 'host.name', value: { stringValue: event.source } },
        ],
      }));
      const request = {
        resourceLogs: [
          { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeLogs: [{ logRecords }] },
        ],
      };
      return {
        path: '/v1/logs',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeOf(otlpTypes.request, request),
        // An empty ExportLogsServiceResponse: no partial success.
        took: (status, body) => status === 200 && (body === undefined || body === ''),
      };
    }
    case 'loki': {
      const streams = new Map<string, WorkloadEvent[]>();
      for (const event of events)
        streams.set(`${event.topic}\n${event.source}`, [...(streams.get(`${event.topic}\n${event.source}`) ?? []), event]);
      const push = {
        streams: [...streams.values()].map((batch) => ({
          labels: `{topic=${JSON.stringify(batch[0]!.topic)}, host=${JSON.stringify(batch[0]!.source)}}`,
          entries: batch.map((event) => ({
            timestamp: { seconds: String(Date.parse(event.timestamp) / 1000), nanos: 0 },
            line: JSON.stringify(event.payload),
          })),
        })),
      };
      return {
        path: '/loki/api/v1/push',
        // Loki's protobuf push is snappy-compressed by definition, without a Content-Encoding.
        headers: { 'content-type': 'application/x-protobuf' },
        body: snappy.compress(encodeOf(lokiPushRequest, push)),
        took: (status) => status === 204,
      };
    }
    case 'elastic':
      return {
        path: '/_bulk',
        headers: { 'content-type': 'application/x-ndjson' },
        body: events
          .map(
            (event) =>
              `${JSON.stringify({ index: { _index: event.topic, _id: event.event_id } })}\n${JSON.stringify({ '@timestamp': event.timestamp, host: { name: event.source }, ...event.payload })}\n`,
          )
          .join(''),
        took: (status, body) => status === 200 && (body as { errors?: boolean } | undefined)?.errors === false,
      };
    case 'splunk':
      return {
        path: '/services/collector/event',
        headers: { 'content-type': 'application/json' },
        body: events
          .map((event) =>
            JSON.stringify({
              event: event.payload,
              time: String(Date.parse(event.timestamp) / 1000),
              host: event.source,
              sourcetype: event.topic,
            }),
          )
          .join(''),
        took: (status, body) => status === 200 && (body as { code?: number } | undefined)?.code === 0,
      };
  }
}
