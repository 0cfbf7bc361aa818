import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { DependencyError, IdempotencyInProgressError, IdempotencyKeyReusedError } from '../domain/errors.ts';
import type { IdempotencyGuard } from '../domain/idempotency.ts';

/** Marks an answer that came from the store rather than from running the work. */
const replayedMark = '__replayed';

/**
 * The idempotency guard on Powertools' Idempotency utility: a record per key in DynamoDB, in
 * progress while the work runs, then holding its answer until it expires.
 */
export class PowertoolsIdempotencyGuard implements IdempotencyGuard {
  private readonly config: IdempotencyConfig;
  private readonly run: (input: { key: string; fingerprint: string }, work: () => Promise<object>) => Promise<object>;

  constructor(client: DynamoDBClient, table: string, expiresAfterSeconds: number) {
    this.config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'fingerprint',
      expiresAfterSeconds,
      hashFunction: 'sha256',
      responseHook: (response) => ({ ...(response as object), [replayedMark]: true }),
    });
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: client, expiryAttr: 'expires_at' });
    this.run = makeIdempotent(async (_input: { key: string; fingerprint: string }, work: () => Promise<object>) => work(), {
      persistenceStore,
      config: this.config,
      dataIndexArgument: 0,
    });
  }

  /** A record left in progress by an invocation that died expires when that invocation would have timed out. */
  registerLambdaContext(context: Context): void {
    this.config.registerLambdaContext(context);
  }

  async once<T extends object>(key: string, fingerprint: string, work: () => Promise<T>): Promise<{ value: T; replayed: boolean }> {
    try {
      const answer = (await this.run({ key, fingerprint }, work)) as T & { [replayedMark]?: boolean };
      const { [replayedMark]: replayed, ...value } = answer;
      return { value: value as T, replayed: replayed === true };
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new IdempotencyKeyReusedError('this Idempotency-Key was used with another request body; use a new key for a new request', [
          { path: 'Idempotency-Key', message: 'already used with a different body' },
        ]);
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new IdempotencyInProgressError('a request with this Idempotency-Key is still being processed; retry shortly', [
          { path: 'Idempotency-Key', message: 'in progress' },
        ]);
      }
      if (error instanceof IdempotencyPersistenceLayerError)
        throw new DependencyError('the idempotency store failed', [], { cause: error });
      throw error;
    }
  }
}
