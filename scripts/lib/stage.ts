/**
 * Which AWS a stage talks to. The local stage is a rehearsal of production on the emulator, with
 * the emulator's endpoint and test credentials; every other stage is real AWS with the caller's
 * own configuration, untouched, and is refused if the emulator's settings leaked into it.
 */
import { type SettingName, settingProblem } from '../../functions/shared/config.ts';

const emulatorEndpoint = 'http://127.0.0.1:4566';
const emulatorCredentials = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

export type Env = Record<string, string | undefined>;

export interface StageTarget {
  stage: string;
  region: string;
  /** The emulator's endpoint on the local stage; null on AWS. */
  endpoint: string | null;
  /** The environment the deploy tools (sls, the SDK) run with. */
  env: Env;
}

export class StageConfigurationError extends Error {
  override readonly name = 'StageConfigurationError';
}

export const stageOf = (env: Env) => env.IDEMLOG_STAGE ?? 'local';

export function resolveStage(env: Env): StageTarget {
  const stage = stageOf(env);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (stage === 'local') {
    const endpoint = env.AWS_ENDPOINT_URL ?? emulatorEndpoint;
    return {
      stage,
      region,
      endpoint,
      env: {
        ...env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? emulatorCredentials.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? emulatorCredentials.AWS_SECRET_ACCESS_KEY,
      },
    };
  }
  if (env.AWS_ENDPOINT_URL) {
    throw new StageConfigurationError(
      `AWS_ENDPOINT_URL is set (${env.AWS_ENDPOINT_URL}), but stage '${stage}' deploys to real AWS; unset it (scripts/env.sh sets it for the emulator)`,
    );
  }
  if (env.AWS_ACCESS_KEY_ID === emulatorCredentials.AWS_ACCESS_KEY_ID) {
    throw new StageConfigurationError(
      `AWS_ACCESS_KEY_ID is the emulator's test key, but stage '${stage}' deploys to real AWS; use your own credentials`,
    );
  }
  return { stage, region, endpoint: null, env: { ...env } };
}

/** The functions' settings serverless.yml takes from the deploying shell, by the name set there. */
export const deployedSettings = {
  IDEMLOG_IDEMPOTENCY_TTL_HOURS: 'IDEMPOTENCY_TTL_HOURS',
  IDEMLOG_EVENTS_PER_MESSAGE: 'EVENTS_PER_MESSAGE',
  IDEMLOG_EVENTS_PER_TRANSACTION: 'EVENTS_PER_TRANSACTION',
  IDEMLOG_COUNTER_SHARDS: 'COUNTER_SHARDS',
  IDEMLOG_TOTALS_SHARDS: 'TOTALS_SHARDS',
  IDEMLOG_PEEK_BEFORE_WRITE: 'PEEK_BEFORE_WRITE',
  IDEMLOG_DEDUP_RETENTION_DAYS: 'DEDUP_RETENTION_DAYS',
  IDEMLOG_FAULT_INJECTION: 'FAULT_INJECTION',
} as const satisfies Record<string, SettingName>;

/**
 * Checks each setting the shell gives the functions with the rules they read it by at cold start:
 * a value they would refuse would deploy functions that all fail to start, every request a 5xx and
 * every message on its way to the DLQ.
 */
export function checkSettings(env: Env): void {
  const problems = Object.entries(deployedSettings).flatMap(([variable, setting]) => {
    const value = env[variable];
    const problem = value === undefined ? undefined : settingProblem(setting, value);
    return problem ? [`${variable}=${JSON.stringify(value)} ${problem}`] : [];
  });
  if (problems.length > 0) throw new StageConfigurationError(problems.join('; '));
}

/**
 * The functions' NODE_OPTIONS (IDEMLOG_NODE_OPTIONS) as a stage may deploy them. Node refuses to
 * start on an option it does not allow there, so a typo would deploy functions that all fail at
 * start: any stage but local takes only --enable-source-maps, and that only with the maps in the
 * bundles (IDEMLOG_SOURCE_MAPS=true), without which it does nothing. The local stage takes
 * anything (the benchmark loads its profiler this way).
 */
export function checkNodeOptions(env: Env): void {
  const options = (env.IDEMLOG_NODE_OPTIONS ?? '').trim();
  if (options === '' || stageOf(env) === 'local') return;
  if (options !== '--enable-source-maps')
    throw new StageConfigurationError(
      `IDEMLOG_NODE_OPTIONS='${options}' is refused for stage '${stageOf(env)}': only --enable-source-maps (or nothing) is deployed beyond the local stage`,
    );
  if (env.IDEMLOG_SOURCE_MAPS !== 'true')
    throw new StageConfigurationError(
      'IDEMLOG_NODE_OPTIONS=--enable-source-maps needs IDEMLOG_SOURCE_MAPS=true: without maps in the bundles it does nothing',
    );
}
