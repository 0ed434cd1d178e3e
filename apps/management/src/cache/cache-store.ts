/** Where cache entries live: Redis, or this process. Values are sealed entries (cache-entry.ts). */
export interface CacheStore {
  /** Resolves undefined on a miss; rejects when the store cannot answer (the caller counts a miss). */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}
