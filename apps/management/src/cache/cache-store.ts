/** Where cache entries live: Redis (sealed strings), or this process (the answers themselves). */
export interface CacheStore<V> {
  /** Resolves undefined on a miss; rejects when the store cannot answer (the caller counts a miss). */
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}
