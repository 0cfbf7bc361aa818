import { type APIGatewayClient, paginateGetApiKeys } from '@aws-sdk/client-api-gateway';
import { withTimeout } from '../shared/deadline.ts';
import { describe } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';

export interface ApiKeyRecord {
  id: string;
  enabled: boolean;
  tags: Record<string, string>;
}

/**
 * The account's API keys by value, read from API Gateway (GetApiKeys) and kept for about a minute:
 * the authorizer runs on every request, and keys change rarely. A value not found is looked for
 * again at most every `missRefreshMs`: API Gateway's management calls are limited per account
 * (10 a second), so made-up keys must not make reads. When a read fails the keys last read stay
 * in use, but never older than `staleLimitMs`: past that the authorizer fails (503) rather than
 * trust a key that may have been disabled or re-scoped since.
 */
export class ApiKeyDirectory {
  private keys = new Map<string, ApiKeyRecord>();
  /** When the keys were last read successfully, and when a read was last tried. */
  private readAt = Number.NEGATIVE_INFINITY;
  private triedAt = Number.NEGATIVE_INFINITY;
  private readonly client: APIGatewayClient;
  private readonly now: () => number;
  private readonly keepMs: number;
  private readonly missRefreshMs: number;
  private readonly staleLimitMs: number;

  constructor(
    client: APIGatewayClient,
    options: { now?: () => number; keepMs?: number; missRefreshMs?: number; staleLimitMs?: number } = {},
  ) {
    this.client = client;
    this.now = options.now ?? Date.now;
    // Jittered, so that containers started together do not read together.
    this.keepMs = options.keepMs ?? 50_000 + Math.floor(Math.random() * 20_000);
    this.missRefreshMs = options.missRefreshMs ?? 20_000;
    this.staleLimitMs = options.staleLimitMs ?? 300_000;
  }

  async find(value: string): Promise<ApiKeyRecord | undefined> {
    const sinceTried = this.now() - this.triedAt;
    if (sinceTried > this.keepMs || (!this.keys.has(value) && sinceTried > this.missRefreshMs)) await this.read();
    if (this.now() - this.readAt > this.staleLimitMs)
      throw new Error('the API keys could not be read for too long; refusing to trust the keys last read');
    return this.keys.get(value);
  }

  private async read(): Promise<void> {
    this.triedAt = this.now();
    try {
      const keys = new Map<string, ApiKeyRecord>();
      await withTimeout(4000, async (abortSignal) => {
        const pages = paginateGetApiKeys({ client: this.client, pageSize: 500 }, { includeValues: true }, { abortSignal });
        for await (const page of pages) {
          for (const key of page.items ?? [])
            if (key.value && key.id) keys.set(key.value, { id: key.id, enabled: key.enabled !== false, tags: key.tags ?? {} });
        }
      });
      this.keys = keys;
      this.readAt = this.now();
    } catch (error) {
      logger.warn('reading the API keys failed; the keys last read stay in use for a while', { error: describe(error) });
    }
  }
}
