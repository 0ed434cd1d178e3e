import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import {
  admissionReview,
  ALICE_DIGEST,
  conformancePath,
  describeConformance,
  readMetric,
  readStatusz,
  RedisServer,
  TestAnswer,
  TestStack,
  TestValidator,
} from '@connaisseur-mesh/testing';
import { cacheKey } from '../src/cache/cache-entry';
import { REDIS_COMMAND_TIMEOUT_MS } from '../src/cache/redis-store';

const { Verdict } = validatorV1;
/** 32 bytes, the least management accepts. */
const HMAC_KEY = 'test-cache-hmac-key-of-32-bytes!';
const PASSWORD = 'test-redis-password';

/** signed.io/* verifies with ALICE_DIGEST; everything else is rejected. */
const signedOnly = (request: validatorV1.ValidateImageRequest): TestAnswer =>
  request.image?.registry === 'signed.io'
    ? { verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }
    : { verdict: Verdict.VERDICT_REJECTED, reason: `no signature for ${request.image?.original}` };

/** The config as YAML text: its sha256 is the config version in every cache key. */
function configText(validatorAddress: string, cache: Record<string, unknown> = {}): string {
  return stringify({
    validators: [{ name: 'ext', type: 'external', address: validatorAddress }],
    policy: [{ pattern: '*:*', validator: 'ext' }],
    features: { automaticChildApproval: false, cache },
  });
}

const keyOf = (config: string, image: string) =>
  cacheKey({ configVersion: createHash('sha256').update(config).digest('hex'), ruleIndex: 0, pattern: '*:*', validatorName: 'ext', image });

const rejectedMessage = (image: string) => `error during external validation of image ${image}: no signature for ${image}`;

describe('the verdict cache with a real Redis', () => {
  const validator = new TestValidator(signedOnly);
  let redis: RedisServer;
  let client: Redis;
  let config: string;
  let stack: TestStack;

  beforeAll(async () => {
    await validator.start();
    redis = await RedisServer.start({ password: PASSWORD });
    client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    config = configText(validator.address);
    stack = await TestStack.start({
      apps: ['management'],
      config,
      env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    client?.disconnect();
    await redis?.stop();
    await validator.stop();
  });

  beforeEach(() => validator.setHandler(signedOnly));

  /** The entry management stores: it writes after answering, so it may land a moment later. */
  async function storedEntry(key: string): Promise<string> {
    await waitFor(async () => (await client.exists(key)) === 1);
    return (await client.get(key))!;
  }

  /** The decision and the validator calls it took. */
  async function admit(images: string[], s = stack) {
    const before = validator.calls.length;
    const result = await s.review(admissionReview({ images }));
    return { result, calls: validator.calls.length - before };
  }

  it('a second admission of an image is a hit: no validator call, the same patch', async () => {
    const first = await admit(['signed.io/hit:1']);
    const second = await admit(['signed.io/hit:1']);
    expect(first.calls).toBe(1);
    expect(second.calls).toBe(0);
    expect(second.result.patch).toEqual(first.result.patch);
    expect(second.result.patch).toEqual([{ op: 'replace', path: '/spec/containers/0/image', value: `signed.io/hit:1@${ALICE_DIGEST}` }]);
  });

  it('keeps the entry in Redis under the scoped key, sealed with an HMAC and a TTL', async () => {
    await admit(['signed.io/stored:1']);
    const key = keyOf(config, 'signed.io/stored:1');
    const stored = JSON.parse(await storedEntry(key));
    expect(stored).toMatchObject({ verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST, reason: '', mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('another management process with the same CACHE_HMAC_KEY gets hits from the same Redis', async () => {
    await admit(['signed.io/shared:1']);
    await storedEntry(keyOf(config, 'signed.io/shared:1'));
    const other = await TestStack.start({
      apps: ['management'],
      config,
      env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY },
    });
    try {
      expect((await admit(['signed.io/shared:1'], other)).calls).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('cacheErrors (default on): a rejection is reused with the same message', async () => {
    const first = await admit(['unsigned.io/app:1']);
    const second = await admit(['unsigned.io/app:1']);
    expect(first.result.response.status?.message).toBe(rejectedMessage('unsigned.io/app:1'));
    expect(second.result.response.status?.message).toBe(rejectedMessage('unsigned.io/app:1'));
    expect([first.calls, second.calls]).toEqual([1, 0]);
  });

  it('never caches an RPC error: the next admission asks again', async () => {
    validator.setHandler(() => ({ error: { code: 14, details: 'registry unreachable' } }));
    const first = await admit(['signed.io/flaky:1']);
    expect(first.result.response.allowed).toBe(false);
    validator.setHandler(signedOnly);
    const second = await admit(['signed.io/flaky:1']);
    expect(second.result.response.allowed).toBe(true);
    expect(second.calls).toBe(1);
  });

  describe('entries written by someone else are ignored', () => {
    const victim = 'unsigned.io/victim:1';
    const forged = (mac?: string) =>
      JSON.stringify({ verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST, reason: '', expiresAt: Date.now() + 60_000, ...(mac === undefined ? {} : { mac }) });

    it.each([
      ['a wrong MAC', () => forged('0'.repeat(64))],
      ['no MAC', () => forged()],
      ["Connaisseur's format", () => JSON.stringify({ digest: ALICE_DIGEST, error: '' })],
    ])('%s', async (_name, entry) => {
      const key = keyOf(config, victim);
      const written = entry();
      await client.set(key, written, 'PX', 60_000);
      const { result, calls } = await admit([victim]);
      expect(result.response).toMatchObject({ allowed: false, status: { message: rejectedMessage(victim) } });
      expect(calls).toBe(1);
      // The genuine rejection replaces the forged entry (cacheErrors) after the answer: wait for that
      // write, so that it cannot land on the next case's forged entry.
      for (let i = 0; i < 100 && (await client.get(key)) === written; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await client.get(key)).not.toBe(written);
      await client.del(key);
    });

    it("a genuine entry of another image, copied to this image's key", async () => {
      await admit(['signed.io/genuine:1']);
      const genuine = await storedEntry(keyOf(config, 'signed.io/genuine:1'));
      await client.set(keyOf(config, victim), genuine, 'PX', 60_000);
      const { result, calls } = await admit([victim]);
      expect(result.response.allowed).toBe(false);
      expect(calls).toBe(1);
      expect(stack.log()).toContain('cache entry failed its integrity check or expired: ignored');
    });
  });

  it('reports Redis in /statusz and counts cache operations', async () => {
    const statusz = await readStatusz(stack.opsUrl);
    expect(statusz.dependencies.redis).toEqual({ ok: true });
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_cache_operations_total', { op: 'get', outcome: 'hit' })).toBeGreaterThan(0);
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_cache_operations_total', { op: 'set', outcome: 'ok' })).toBeGreaterThan(0);
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_dependency_up', { dependency: 'redis' })).toBe(1);
  });

  // Slow enough to be measured apart from a hang, fast enough not to matter: the validator answers at once.
  const bound = REDIS_COMMAND_TIMEOUT_MS + 1_000;

  it('Redis hung (SIGSTOP): lookups time out as misses, no request slower than the cache timeout plus validation', async () => {
    await admit(['signed.io/before-hang:1']);
    redis.pause();
    try {
      for (const image of ['signed.io/before-hang:1', 'signed.io/during-hang:1', 'unsigned.io/during-hang:1']) {
        const started = performance.now();
        const { result, calls } = await admit([image]);
        expect(performance.now() - started).toBeLessThan(bound);
        expect(result.response.allowed).toBe(image.startsWith('signed.io'));
        expect(calls).toBe(1);
      }
    } finally {
      redis.resume();
    }
  });

  it('Redis killed during a load of admissions: nothing denied, nothing slow; restarted: hits again', async () => {
    await waitFor(async () => (await readStatusz(stack.opsUrl)).dependencies.redis.ok === true);
    const warnings = () => stack.log().split('\n').filter((l) => l.includes('redis unavailable')).length;
    const warningsBefore = warnings();
    await admit(['signed.io/warm:1']);
    const errorsBefore = await readMetric(stack.opsUrl, 'connaisseur_mesh_cache_operations_total', { op: 'get', outcome: 'error' });

    const durations: number[] = [];
    const denied: string[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 300) {
        const n = sent++;
        if (n === 100) await redis.kill();
        const image = n % 2 === 0 ? 'signed.io/warm:1' : `signed.io/load-${n}:1`;
        const started = performance.now();
        const result = await stack.review(admissionReview({ images: [image] }));
        durations.push(performance.now() - started);
        if (!result.response.allowed) denied.push(`${image}: ${result.response.status?.message}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(redis.running).toBe(false);
    expect(denied).toEqual([]);
    expect(Math.max(...durations)).toBeLessThan(bound);
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_cache_operations_total', { op: 'get', outcome: 'error' })).toBeGreaterThan(errorsBefore);
    // Once per outage, not once per request.
    await waitFor(async () => warnings() === warningsBefore + 1);
    expect((await (await fetch(`${stack.opsUrl}/readyz`)).status)).toBe(200);
    expect((await readStatusz(stack.opsUrl)).dependencies.redis.ok).toBe(false);
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_dependency_up', { dependency: 'redis' })).toBe(0);

    await redis.restart();
    await waitFor(async () => (await readStatusz(stack.opsUrl)).dependencies.redis.ok === true);
    expect((await admit(['signed.io/after-restart:1'])).calls).toBe(1);
    expect((await admit(['signed.io/after-restart:1'])).calls).toBe(0);
    expect(stack.log()).toContain('redis is back: caching again');
    expect(warnings()).toBe(warningsBefore + 1);
  });
});

describe('the verdict cache: expiry, cacheErrors off, TLS, start-up checks', () => {
  const validator = new TestValidator(signedOnly);
  let redis: RedisServer;

  beforeAll(async () => {
    await validator.start();
    redis = await RedisServer.start({ password: PASSWORD, tls: true });
  });
  afterAll(async () => {
    await redis?.stop();
    await validator.stop();
  });

  async function withStack(config: string, env: Record<string, string>, test: (admit: (image: string) => Promise<number>, stack: TestStack) => Promise<void>) {
    const stack = await TestStack.start({ apps: ['management'], config, env });
    try {
      await test(async (image) => {
        const before = validator.calls.length;
        await stack.review(admissionReview({ images: [image] }));
        return validator.calls.length - before;
      }, stack);
    } finally {
      await stack.stop();
    }
  }
  const redisEnv = () => ({ REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY });

  it('entries expire after expirySeconds', async () => {
    await withStack(configText(validator.address, { expirySeconds: 1 }), redisEnv(), async (admit) => {
      expect(await admit('signed.io/expiring:1')).toBe(1);
      expect(await admit('signed.io/expiring:1')).toBe(0);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await admit('signed.io/expiring:1')).toBe(1);
    });
  });

  it('cacheErrors off: rejections are asked again, verified answers still cached', async () => {
    await withStack(configText(validator.address, { cacheErrors: false }), redisEnv(), async (admit) => {
      expect([await admit('unsigned.io/again:1'), await admit('unsigned.io/again:1')]).toEqual([1, 1]);
      expect([await admit('signed.io/kept:1'), await admit('signed.io/kept:1')]).toEqual([1, 0]);
    });
  });

  it('expirySeconds 0: no cache at all', async () => {
    await withStack(configText(validator.address, { expirySeconds: 0 }), redisEnv(), async (admit) => {
      expect([await admit('signed.io/uncached:1'), await admit('signed.io/uncached:1')]).toEqual([1, 1]);
    });
  });

  it('rediss:// with REDIS_CA and a password', async () => {
    const env = { REDIS_URL: redis.tlsUrl, REDIS_CA: redis.certificates!.caFile, REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY };
    await withStack(configText(validator.address, { expirySeconds: 30 }), env, async (admit, stack) => {
      expect([await admit('signed.io/tls:1'), await admit('signed.io/tls:1')]).toEqual([1, 0]);
      expect((await readStatusz(stack.opsUrl)).dependencies.redis).toEqual({ ok: true });
    });
  });

  it('rediss:// without the CA: the server is not trusted, every lookup a miss, admissions unaffected', async () => {
    const env = { REDIS_URL: redis.tlsUrl, REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY };
    await withStack(configText(validator.address, { expirySeconds: 30 }), env, async (admit, stack) => {
      expect([await admit('signed.io/untrusted:1'), await admit('signed.io/untrusted:1')]).toEqual([1, 1]);
      expect((await readStatusz(stack.opsUrl)).dependencies.redis.ok).toBe(false);
    });
  });

  it('a wrong password: misses, admissions unaffected', async () => {
    const env = { ...redisEnv(), REDIS_PASSWORD: 'wrong' };
    await withStack(configText(validator.address), env, async (admit) => {
      expect([await admit('signed.io/wrong-password:1'), await admit('signed.io/wrong-password:1')]).toEqual([1, 1]);
    });
  });

  it.each([
    ['Redis without a password outside the local stack', { REDIS_URL: 'redis://redis.connaisseur.svc:6379', CACHE_HMAC_KEY: HMAC_KEY }, 'without a password'],
    ['Redis without CACHE_HMAC_KEY', { REDIS_URL: 'redis://127.0.0.1:6379' }, 'CACHE_HMAC_KEY is required with REDIS_URL'],
    ['a CACHE_HMAC_KEY of 31 bytes', { REDIS_URL: 'redis://127.0.0.1:6379', CACHE_HMAC_KEY: HMAC_KEY.slice(1) }, 'CACHE_HMAC_KEY has 31 bytes; at least 32 are required'],
    ['a REDIS_CA that does not exist', { REDIS_URL: 'rediss://127.0.0.1:6380', REDIS_CA: '/nonexistent/tls.crt', CACHE_HMAC_KEY: HMAC_KEY }, 'REDIS_CA: cannot read /nonexistent/tls.crt (ENOENT)'],
  ])('%s is a start-up error', async (_name, env, message) => {
    const started = TestStack.start({ apps: ['management'], config: configText(validator.address), env });
    await expect(started).rejects.toThrow(/management exited with code 1/);
    await expect(started).rejects.toThrow(message);
  });

  describeConformance("REDIS_CA with Connaisseur's caching test data", () => {
    it('caching/00_cert/tls.crt, a valid certificate: management starts (this Redis has another CA: misses, admissions unaffected)', async () => {
      const env = { REDIS_URL: redis.tlsUrl, REDIS_CA: conformancePath('caching', '00_cert', 'tls.crt'), REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY };
      await withStack(configText(validator.address, { expirySeconds: 30 }), env, async (admit, stack) => {
        expect([await admit('signed.io/other-ca:1'), await admit('signed.io/other-ca:1')]).toEqual([1, 1]);
        expect((await readStatusz(stack.opsUrl)).dependencies.redis.ok).toBe(false);
      });
    });

    it('caching/01_err/tls.crt, not a certificate: management exits at start, as Connaisseur does', async () => {
      const env = { REDIS_URL: redis.tlsUrl, REDIS_CA: conformancePath('caching', '01_err', 'tls.crt'), REDIS_PASSWORD: PASSWORD, CACHE_HMAC_KEY: HMAC_KEY };
      const started = TestStack.start({ apps: ['management'], config: configText(validator.address), env });
      await expect(started).rejects.toThrow(/management exited with code 1/);
      await expect(started).rejects.toThrow('01_err/tls.crt: wrong format, provide PEM encoded certificates');
    });
  });
});

describe('the in-process cache and one validation per key', () => {
  const validator = new TestValidator(signedOnly);
  beforeAll(() => validator.start());
  afterAll(() => validator.stop());

  it('hits without Redis', async () => {
    const stack = await TestStack.start({ apps: ['management'], config: configText(validator.address) });
    try {
      const before = validator.calls.length;
      await stack.review(admissionReview({ images: ['signed.io/memory:1'] }));
      await stack.review(admissionReview({ images: ['signed.io/memory:1'] }));
      expect(validator.calls.length - before).toBe(1);
    } finally {
      await stack.stop();
    }
  });

  it('100 concurrent admissions of one new image make exactly one validator call (cache off: coalescing alone)', async () => {
    const stack = await TestStack.start({ apps: ['management'], config: configText(validator.address, { expirySeconds: 0 }) });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    validator.setHandler(async (request) => {
      await released;
      return signedOnly(request);
    });
    try {
      const before = validator.calls.length;
      const requestsBefore = await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_total');
      const results = Array.from({ length: 100 }, () => stack.review(admissionReview({ images: ['signed.io/concurrent:1'] })));
      // Every request has reached management (and joined the one validation) before the validator answers.
      await waitFor(async () => (await readMetric(stack.opsUrl, 'connaisseur_mesh_requests_total')) === requestsBefore + 100);
      release();
      const responses = await Promise.all(results);
      expect(responses.every((r) => r.response.allowed && r.patch?.[0].value === `signed.io/concurrent:1@${ALICE_DIGEST}`)).toBe(true);
      expect(validator.calls.length - before).toBe(1);
      expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_validator_call_duration_seconds_count')).toBe(1);
      expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_validations_total', { result: 'success' })).toBe(100);
    } finally {
      validator.setHandler(signedOnly);
      await stack.stop();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await condition().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
