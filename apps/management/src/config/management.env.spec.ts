import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isLoopback } from '@connaisseur-mesh/config';
import { conformancePath, describeConformance, makeTestCertificates } from '@connaisseur-mesh/testing';
import { checkCacheHmacKey, MIN_CACHE_HMAC_KEY_BYTES, redisEnv } from './management.env';

/** The shortest key management accepts. */
const KEY = 'k'.repeat(MIN_CACHE_HMAC_KEY_BYTES);
/** The settings with this file as REDIS_CA. */
const withCa = (caFile: string) => redisEnv({ url: 'rediss://127.0.0.1:6380', caFile }, KEY);

describe("management's Redis settings", () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'])('%s is the local stack', (host) => {
    expect(isLoopback(new URL(`redis://${host}:6379`).hostname)).toBe(true);
  });

  it.each(['10.0.0.1', 'redis.connaisseur.svc', '127.0.0.1.evil.io', '[::2]'])('%s is not', (host) => {
    expect(isLoopback(new URL(`redis://${host}:6379`).hostname)).toBe(false);
  });

  it('refuses a Redis without password outside the local stack', () => {
    expect(() => redisEnv({ url: 'redis://redis.ns.svc:6379' }, KEY)).toThrow(
      'Redis at redis.ns.svc without a password: set REDIS_PASSWORD (only a Redis on loopback, the local stack, may go without)',
    );
    expect(() => redisEnv({ url: 'redis://redis.ns.svc:6379', password: 'p' }, KEY)).not.toThrow();
    expect(() => redisEnv({ url: 'redis://:p@redis.ns.svc:6379' }, KEY)).not.toThrow();
    expect(() => redisEnv({ url: 'redis://127.0.0.1:6379' }, KEY)).not.toThrow();
  });

  it('requires CACHE_HMAC_KEY with Redis', () => {
    expect(() => redisEnv({ url: 'redis://127.0.0.1:6379' }, undefined)).toThrow('CACHE_HMAC_KEY is required with REDIS_URL');
  });

  it('rejects what is not a Redis URL, and a CA without TLS', () => {
    expect(() => redisEnv({ url: 'redis.ns.svc:6379' }, KEY)).toThrow('REDIS_URL: must start with redis:// or rediss://');
    expect(() => redisEnv({ url: 'http://x:1' }, KEY)).toThrow('REDIS_URL: must start with redis:// or rediss://');
    expect(() => redisEnv({ url: 'redis://127.0.0.1:6379', caFile: '/ca.crt' }, KEY)).toThrow('REDIS_CA is set, but REDIS_URL is not rediss://');
  });
});

describe('CACHE_HMAC_KEY', () => {
  it('needs at least 32 bytes: 31 are refused with the length, the minimum and how to make a key', () => {
    expect(() => checkCacheHmacKey('a')).toThrow('CACHE_HMAC_KEY has 1 bytes; at least 32 are required (make one with: openssl rand -base64 48)');
    expect(() => checkCacheHmacKey('k'.repeat(31))).toThrow('CACHE_HMAC_KEY has 31 bytes');
    expect(() => checkCacheHmacKey(KEY)).not.toThrow();
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(() => checkCacheHmacKey('é'.repeat(16))).not.toThrow();
    expect(() => checkCacheHmacKey('é'.repeat(15))).toThrow('CACHE_HMAC_KEY has 30 bytes');
  });

  it('for any key: accepted exactly when it has 32 UTF-8 bytes or more, and the message never holds the key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (key) => {
        const bytes = Buffer.byteLength(key, 'utf8');
        let message: string | undefined;
        try {
          checkCacheHmacKey(key);
        } catch (e) {
          message = (e as Error).message;
        }
        if (bytes >= 32) return message === undefined;
        // The whole message is fixed but for the length: there is no room for the key in it.
        return message === `CACHE_HMAC_KEY has ${bytes} bytes; at least 32 are required (make one with: openssl rand -base64 48)`;
      }),
    );
  });
});

describe('REDIS_CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-redis-ca-'));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it('is read with rediss:// and handed on as PEM', () => {
    const ca = makeTestCertificates().ca;
    expect(withCa(file('ca.crt', ca))).toEqual({ url: 'rediss://127.0.0.1:6380', password: undefined, ca });
  });

  it.each([
    ['a missing file', join(dir, 'nothing.crt'), /^REDIS_CA: cannot read .*nothing\.crt \(ENOENT\)$/],
    ['a folder', dir, /^REDIS_CA: cannot read .* \(EISDIR\)$/],
    ['an empty file', file('empty.crt', ''), /^REDIS_CA .*empty\.crt: wrong format, provide PEM encoded certificates$/],
    ['a private key', file('key.pem', makeTestCertificates().key), /^REDIS_CA .*key\.pem: block 1 is a "PRIVATE KEY" block, not a CERTIFICATE$/],
    ['a damaged certificate', file('bad.crt', '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG\n-----END CERTIFICATE-----\n'), /^REDIS_CA .*bad\.crt: block 1 is not a valid certificate/],
  ])('%s is a start-up error', (_name, path, message) => {
    expect(() => withCa(path)).toThrow(message);
  });
});

describeConformance("REDIS_CA with Connaisseur's caching test data", () => {
  it('caching/00_cert/tls.crt (the certificate of Connaisseur\'s Redis) is accepted', () => {
    expect(withCa(conformancePath('caching', '00_cert', 'tls.crt')).ca).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('caching/01_err/tls.crt (not a certificate) is refused, as Connaisseur exits at start', () => {
    expect(() => withCa(conformancePath('caching', '01_err', 'tls.crt'))).toThrow(/^REDIS_CA .*01_err\/tls\.crt: wrong format, provide PEM encoded certificates$/);
  });
});
