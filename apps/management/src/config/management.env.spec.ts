import { isLoopback } from '@connaisseur-mesh/config';
import { checkRedisEnv } from './management.env';

describe("management's Redis settings", () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])('%s is the local stack', (host) => {
    expect(isLoopback(new URL(`redis://${host}:6379`).hostname)).toBe(true);
  });

  it.each(['10.0.0.1', 'redis.connaisseur.svc', '127.0.0.1.evil.io', '[::2]'])('%s is not', (host) => {
    expect(isLoopback(new URL(`redis://${host}:6379`).hostname)).toBe(false);
  });

  it('refuses a Redis without password outside the local stack', () => {
    expect(() => checkRedisEnv({ url: 'redis://redis.ns.svc:6379' }, 'k')).toThrow(
      'Redis at redis.ns.svc without a password: set REDIS_PASSWORD (only a Redis on loopback, the local stack, may go without)',
    );
    expect(() => checkRedisEnv({ url: 'redis://redis.ns.svc:6379', password: 'p' }, 'k')).not.toThrow();
    expect(() => checkRedisEnv({ url: 'redis://:p@redis.ns.svc:6379' }, 'k')).not.toThrow();
    expect(() => checkRedisEnv({ url: 'redis://127.0.0.1:6379' }, 'k')).not.toThrow();
  });

  it('requires CACHE_HMAC_KEY with Redis', () => {
    expect(() => checkRedisEnv({ url: 'redis://127.0.0.1:6379' }, undefined)).toThrow('CACHE_HMAC_KEY is required with REDIS_URL');
  });

  it('rejects what is not a Redis URL, and a CA without TLS', () => {
    expect(() => checkRedisEnv({ url: 'redis.ns.svc:6379' }, 'k')).toThrow('REDIS_URL: must start with redis:// or rediss://');
    expect(() => checkRedisEnv({ url: 'http://x:1' }, 'k')).toThrow('REDIS_URL: must start with redis:// or rediss://');
    expect(() => checkRedisEnv({ url: 'redis://127.0.0.1:6379', caFile: '/ca.crt' }, 'k')).toThrow('REDIS_CA is set, but REDIS_URL is not rediss://');
  });
});
