import { Redis } from 'ioredis';
import { createLogger } from '@connaisseur-mesh/observability';
import { RedisServer } from '@connaisseur-mesh/testing';
import { MAX_ENTRY_BYTES, RedisStore } from './redis-store';

/** RedisStore against a real redis-server: what it reads of entries someone else may have written. */
describe('RedisStore', () => {
  const logger = createLogger({ service: 'management', pod: 'test', destination: { write: () => undefined } });
  let redis: RedisServer;
  let store: RedisStore;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    store = new RedisStore({ url: `redis://127.0.0.1:${redis.port}` }, logger);
    client = new Redis({ port: redis.port, host: '127.0.0.1' });
    // Commands fail at once until the store's connection is up (no offline queue, by design).
    while (!(await store.status()).ok) await new Promise((r) => setTimeout(r, 20));
  });

  afterAll(async () => {
    client.disconnect();
    await store.close();
    await redis.stop();
  });

  it('gives back what it stored, and nothing for a key without an entry', async () => {
    await store.set('k', 'value', 60_000);
    expect(await store.get('k')).toBe('value');
    expect(await store.get('missing')).toBeUndefined();
  });

  it(`reads at most ${MAX_ENTRY_BYTES} bytes of an entry, however large someone made it`, async () => {
    await client.set('huge', 'x'.repeat(16 << 20));
    expect(await store.get('huge')).toHaveLength(MAX_ENTRY_BYTES);
  });

  it('takes an entry of another type for a failure (a miss to the cache), never a crash', async () => {
    await client.rpush('a-list', 'x');
    await expect(store.get('a-list')).rejects.toThrow(/WRONGTYPE/);
  });
});
