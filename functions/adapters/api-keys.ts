import { type APIGatewayClient, paginateGetApiKeys } from '@aws-sdk/client-api-gateway';
import { timeoutSignal } from '../shared/deadline.ts';
import { describe } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';

export interface ApiKeyRecord {
  id: string;
  enabled: boolean;
  tags: Record<string, string>;
}

/**
 * The account's API keys by value, read from API Gateway and kept for a minute: the authorizer
 * runs on every request, and keys change rarely. A value not found is looked for again at most
 * once a second (a key created a moment ago works at once; a flood of made-up keys costs API
 * Gateway one read a second per container). When a read fails, the keys last read stay in use.
 */
export class ApiKeyDirectory {
  private keys = new Map<string, ApiKeyRecord>();
  private readAt = Number.NEGATIVE_INFINITY;
  private readonly client: APIGatewayClient;
  private readonly now: () => number;
  private readonly keepMs: number;
  private readonly missRefreshMs: number;

  constructor(client: APIGatewayClient, now: () => number = Date.now, keepMs = 60_000, missRefreshMs = 1_000) {
    this.client = client;
    this.now = now;
    this.keepMs = keepMs;
    this.missRefreshMs = missRefreshMs;
  }

  async find(value: string): Promise<ApiKeyRecord | undefined> {
    const age = this.now() - this.readAt;
    if (age > this.keepMs || (!this.keys.has(value) && age > this.missRefreshMs)) await this.read();
    return this.keys.get(value);
  }

  private async read(): Promise<void> {
    const firstRead = this.readAt === Number.NEGATIVE_INFINITY;
    // Whatever happens, the next read waits its turn.
    this.readAt = this.now();
    try {
      const keys = new Map<string, ApiKeyRecord>();
      const pages = paginateGetApiKeys(
        { client: this.client, pageSize: 500 },
        { includeValues: true },
        { abortSignal: timeoutSignal(4000) },
      );
      for await (const page of pages) {
        for (const key of page.items ?? [])
          if (key.value && key.id) keys.set(key.value, { id: key.id, enabled: key.enabled !== false, tags: key.tags ?? {} });
      }
      this.keys = keys;
    } catch (error) {
      if (firstRead) {
        this.readAt = Number.NEGATIVE_INFINITY;
        throw error;
      }
      logger.warn('reading the API keys failed; the keys last read stay in use', { error: describe(error) });
    }
  }
}
