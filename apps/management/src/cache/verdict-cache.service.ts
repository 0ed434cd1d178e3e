import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { LoadedConfig } from '@connaisseur-mesh/config';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { DependencyStatus, Logger, LOGGER, MESH_CONFIG } from '@connaisseur-mesh/observability';
import { MANAGEMENT_ENV, ManagementEnv } from '../config/management.env';
import { ManagementMetrics } from '../metrics/management-metrics';
import { CachedVerdict, openEntry, sealEntry } from './cache-entry';
import { CacheStore } from './cache-store';
import { MemoryStore } from './memory-store';
import { RedisStore } from './redis-store';

/** The in-process cache's bound: about 300 bytes an entry, a few MiB at most. */
export const MEMORY_CACHE_ENTRIES = 10_000;

/**
 * Validator answers reused for `features.cache.expirySeconds` (ARCHITECTURE.md "Cache"): in Redis
 * when REDIS_URL is set, else in this process. Every entry in Redis is sealed with CACHE_HMAC_KEY;
 * one that does not verify is a miss, so write access to Redis is no way to admit an image. The
 * in-process cache keeps the answers themselves: nothing outside this process can write them, and
 * skipping the seal keeps a hit as cheap as a static decision. Trouble with the store is a miss
 * too: the cache can make admissions faster, never deny or stall them.
 */
@Injectable()
export class VerdictCache implements OnModuleDestroy {
  private readonly store?: CacheStore<CachedVerdict>;
  private readonly redis?: RedisStore;
  private readonly ttlMs: number;
  private readonly cacheErrors: boolean;

  constructor(
    @Inject(MESH_CONFIG) config: LoadedConfig,
    @Inject(MANAGEMENT_ENV) env: ManagementEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: ManagementMetrics,
  ) {
    const settings = config.config.features.cache;
    this.ttlMs = settings.expirySeconds * 1000;
    this.cacheErrors = settings.cacheErrors;
    if (settings.expirySeconds <= 0) {
      logger.info('cache off (features.cache.expirySeconds ≤ 0)');
      return;
    }
    if (env.redis) {
      this.redis = new RedisStore(env.redis, logger);
      // readManagementEnv() refuses REDIS_URL without CACHE_HMAC_KEY.
      this.store = this.sealedIn(this.redis, Buffer.from(env.cacheHmacKey!, 'utf8'));
    } else {
      this.store = new MemoryStore(MEMORY_CACHE_ENTRIES);
    }
    logger.info({ backend: env.redis ? 'redis' : 'memory', expirySeconds: settings.expirySeconds, cacheErrors: this.cacheErrors }, 'cache on');
  }

  /** The cached answer for `key`, if there is a valid one. Never rejects. */
  async get(key: string): Promise<CachedVerdict | undefined> {
    if (!this.store) return undefined;
    let verdict: CachedVerdict | undefined;
    try {
      verdict = await this.store.get(key);
    } catch {
      this.metrics.cacheOperations.inc({ op: 'get', outcome: 'error' });
      return undefined;
    }
    this.metrics.cacheOperations.inc({ op: 'get', outcome: verdict ? 'hit' : 'miss' });
    return verdict;
  }

  /** Keeps a verified answer, and a rejection when `cacheErrors` is on. Never rejects. */
  async set(key: string, answer: CachedVerdict): Promise<void> {
    if (!this.store) return;
    if (answer.verdict === validatorV1.Verdict.VERDICT_REJECTED && !this.cacheErrors) return;
    try {
      await this.store.set(key, answer, this.ttlMs);
      this.metrics.cacheOperations.inc({ op: 'set', outcome: 'ok' });
    } catch {
      this.metrics.cacheOperations.inc({ op: 'set', outcome: 'error' });
    }
  }

  /** Redis holding sealed entries: what it returns is opened, and whatever does not verify is a miss. */
  private sealedIn(redis: RedisStore, hmacKey: Buffer): CacheStore<CachedVerdict> {
    return {
      get: async (key) => {
        const stored = await redis.get(key);
        if (stored === undefined) return undefined;
        const verdict = openEntry(hmacKey, key, stored);
        if (!verdict) this.logger.warn({ key }, 'cache entry failed its integrity check or expired: ignored');
        return verdict;
      },
      set: (key, answer, ttlMs) => redis.set(key, sealEntry(hmacKey, key, answer, Date.now() + ttlMs), ttlMs),
      close: () => redis.close(),
    };
  }

  /** Redis' state for /statusz; nothing when the cache is in this process (or off). */
  async dependencies(): Promise<Record<string, DependencyStatus>> {
    return this.redis ? { redis: await this.redis.status() } : {};
  }

  async onModuleDestroy() {
    await this.store?.close();
  }
}
