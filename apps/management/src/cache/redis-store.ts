import { Redis } from 'ioredis';
import type { Logger } from '@connaisseur-mesh/observability';
import type { DependencyStatus } from '@connaisseur-mesh/observability';
import type { RedisEnv } from '../config/management.env';
import { CacheStore } from './cache-store';

/**
 * A command may take this long before it counts as a miss: a slow or hung Redis must never hold
 * up an admission for longer than this.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 100;
/**
 * What is read of an entry: a sealed verdict is a few hundred bytes (a validator's reason is cut at
 * MAX_VALIDATOR_TEXT). Whoever can write to Redis must not make management read megabytes.
 */
export const MAX_ENTRY_BYTES = 8 * 1024;

/**
 * The cache in Redis (REDIS_URL, REDIS_PASSWORD, REDIS_CA). Commands fail at once while the
 * connection is down (no offline queue piling up) and time out after REDIS_COMMAND_TIMEOUT_MS;
 * ioredis reconnects by itself, so the cache comes back without anyone's help. An outage is
 * logged once when it starts and once when it ends.
 */
export class RedisStore implements CacheStore<string> {
  private readonly client: Redis;
  private up = true;

  constructor(
    env: RedisEnv,
    private readonly logger: Logger,
  ) {
    const tls = env.url.startsWith('rediss://') ? { ca: env.ca } : undefined;
    this.client = new Redis(env.url, {
      password: env.password,
      tls,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      // Keep trying, at most every 2 s: the cache comes back by itself.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      enableAutoPipelining: true,
    });
    this.client.on('error', (e: Error) => this.failed(e));
    this.client.on('ready', () => this.recovered());
  }

  /** At most MAX_ENTRY_BYTES of the entry (a longer one does not open); undefined when there is none. */
  async get(key: string): Promise<string | undefined> {
    const value = await this.command(() => this.client.getrange(key, 0, MAX_ENTRY_BYTES - 1));
    return value === '' ? undefined : value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.command(() => this.client.set(key, value, 'PX', ttlMs));
  }

  /** PING, for /statusz. */
  async status(): Promise<DependencyStatus> {
    try {
      await this.command(() => this.client.ping());
      return { ok: true };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.recovered();
      return result;
    } catch (e) {
      this.failed(e as Error);
      throw e;
    }
  }

  private failed(e: Error) {
    if (!this.up) return;
    this.up = false;
    this.logger.warn({ err: e.message }, 'redis unavailable: cache lookups are misses until it is back');
  }

  private recovered() {
    if (this.up) return;
    this.up = true;
    this.logger.info('redis is back: caching again');
  }
}
