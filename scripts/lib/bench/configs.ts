/** The benchmark's configurations: both come from the same code, set by deploy-time settings. */
export type ConfigName = 'baseline' | 'default';

export type Settings = Record<
  | 'IDEMLOG_EVENTS_PER_MESSAGE'
  | 'IDEMLOG_EVENTS_PER_TRANSACTION'
  | 'IDEMLOG_COUNTER_SHARDS'
  | 'IDEMLOG_TOTALS_SHARDS'
  | 'IDEMLOG_PEEK_BEFORE_WRITE',
  string
>;

export const configs: Record<ConfigName, Settings> = {
  /** The naive design: one event per message, one transaction per event, one counter and totals shard, no pre-read. */
  baseline: {
    IDEMLOG_EVENTS_PER_MESSAGE: '1',
    IDEMLOG_EVENTS_PER_TRANSACTION: '1',
    IDEMLOG_COUNTER_SHARDS: '1',
    IDEMLOG_TOTALS_SHARDS: '1',
    IDEMLOG_PEEK_BEFORE_WRITE: 'off',
  },
  default: {
    IDEMLOG_EVENTS_PER_MESSAGE: '100',
    IDEMLOG_EVENTS_PER_TRANSACTION: '95',
    IDEMLOG_COUNTER_SHARDS: '1024',
    IDEMLOG_TOTALS_SHARDS: '4096',
    IDEMLOG_PEEK_BEFORE_WRITE: 'on',
  },
};
