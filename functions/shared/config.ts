import { z } from 'zod';
import { maxEventsPerChunk } from '../domain/chunks.ts';

/** A whole number in decimal digits: `1e3` or `0x10` would be read as numbers nobody wrote. */
const positiveInt = (min: number, max: number, fallback: number) => {
  const rule = `must be a whole number from ${min} to ${max}, in decimal digits`;
  return z
    .string()
    .regex(/^\d{1,9}$/, rule)
    .transform(Number)
    .pipe(z.number().min(min, rule).max(max, rule))
    .default(fallback);
};

const configFields = z.object({
  STAGE: z.string().min(1).default('local'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  // MiniStack and LocalStack inject this into their Lambdas; absent on real AWS.
  AWS_ENDPOINT_URL: z.url().optional(),
  EVENTS_TABLE: z.string().min(1),
  LEDGER_TABLE: z.string().min(1),
  // Where Idempotency-Key records live, and for how long a key is remembered.
  IDEMPOTENCY_TABLE: z.string().min(1),
  IDEMPOTENCY_TTL_HOURS: positiveInt(1, 24 * 30, 24),
  QUEUE_URL: z.url(),
  DLQ_URL: z.url(),
  // Packing: how many events travel in one SQS message, and how many share one transaction.
  // Setting both to 1 reproduces the naive one-event-per-message design.
  EVENTS_PER_MESSAGE: positiveInt(1, 1000, 100),
  // Distinct events per transaction (publish fixes each message's chunks, see domain/chunks.ts).
  EVENTS_PER_TRANSACTION: positiveInt(1, maxEventsPerChunk, maxEventsPerChunk),
  // The shards a chunk's counters are spread over (functions/adapters/items.ts): more shards, fewer
  // transactions that meet on one counter item. Readers read whatever shards exist, so it may change on a live table.
  COUNTER_SHARDS: positiveInt(1, 4096, 1024),
  // The shards a chunk's totals are spread over: every transaction updates one, whatever its
  // topics, so they are spread wider. `/stats` reads them all in 16 queries.
  TOTALS_SHARDS: positiveInt(1, 16384, 4096),
  // Read the chunk's marker and events before the transaction, so that known duplicates and
  // redeliveries cost a cheap read instead of a cancelled transaction.
  PEEK_BEFORE_WRITE: z.enum(['on', 'off']).default('on'),
  // 0 keeps dedup records forever; N > 0 lets DynamoDB TTL expire stored events after N days.
  DEDUP_RETENTION_DAYS: positiveInt(0, 36500, 0),
  // Honours fault markers in payloads (see domain/faults.ts). Refused outside the local stage.
  FAULT_INJECTION: z.enum(['on', 'off']).default('off'),
});

const configSchema = configFields.refine((c) => c.FAULT_INJECTION === 'off' || c.STAGE === 'local', {
  message: 'FAULT_INJECTION=on is only allowed in the local stage',
  path: ['FAULT_INJECTION'],
});

export type Config = z.infer<typeof configSchema>;

export type SettingName = keyof typeof configFields.shape;

/** What is wrong with one setting's value, as the functions would read it at cold start; undefined when nothing is. */
export function settingProblem(name: SettingName, value: string): string | undefined {
  const parsed = configFields.shape[name].safeParse(value);
  return parsed.success ? undefined : parsed.error.issues.map((issue) => issue.message).join('; ');
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process-wide configuration, parsed once at cold start. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
