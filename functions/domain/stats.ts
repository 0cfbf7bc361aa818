export interface CounterRow {
  /** Undefined for the rejected-messages counter, which belongs to no topic. */
  topic?: string;
  received: number;
  uniqueProcessed: number;
  duplicateDropped: number;
  rejected: number;
  lastProcessedAt?: string;
}

export interface CounterReader {
  readCounters(): Promise<CounterRow[]>;
}

export interface QueueDepth {
  visible: number;
  in_flight: number;
  dead_letter: number;
}

export interface TopicStats {
  received: number;
  unique_processed: number;
  duplicate_dropped: number;
}

export interface Stats {
  received: number;
  unique_processed: number;
  duplicate_dropped: number;
  rejected: number;
  topics: Record<string, TopicStats>;
  queue: QueueDepth;
  started_at: string | null;
  uptime_seconds: number;
  last_processed_at: string | null;
}

/** Sums sharded counter rows into the totals and per-topic figures. */
export function summariseStats(rows: CounterRow[], queue: QueueDepth, startedAt: Date | undefined, now: Date): Stats {
  const stats: Stats = {
    received: 0,
    unique_processed: 0,
    duplicate_dropped: 0,
    rejected: 0,
    topics: {},
    queue,
    started_at: startedAt?.toISOString() ?? null,
    uptime_seconds: startedAt ? Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 1000)) : 0,
    last_processed_at: null,
  };
  const byTopic = new Map<string, TopicStats>();
  for (const row of rows) {
    stats.rejected += row.rejected;
    if (row.lastProcessedAt && (stats.last_processed_at === null || row.lastProcessedAt > stats.last_processed_at)) {
      stats.last_processed_at = row.lastProcessedAt;
    }
    if (row.topic === undefined) continue;
    stats.received += row.received;
    stats.unique_processed += row.uniqueProcessed;
    stats.duplicate_dropped += row.duplicateDropped;
    const topic = byTopic.get(row.topic) ?? { received: 0, unique_processed: 0, duplicate_dropped: 0 };
    topic.received += row.received;
    topic.unique_processed += row.uniqueProcessed;
    topic.duplicate_dropped += row.duplicateDropped;
    byTopic.set(row.topic, topic);
  }
  for (const topic of [...byTopic.keys()].sort()) stats.topics[topic] = byTopic.get(topic)!;
  return stats;
}

export interface StatsSources {
  counters: CounterReader;
  queueDepth: () => Promise<QueueDepth>;
  startedAt: () => Promise<Date | undefined>;
  now?: () => Date;
}

export async function readStats(sources: StatsSources): Promise<Stats> {
  const [rows, queue, startedAt] = await Promise.all([sources.counters.readCounters(), sources.queueDepth(), sources.startedAt()]);
  return summariseStats(rows, queue, startedAt, (sources.now ?? (() => new Date()))());
}
