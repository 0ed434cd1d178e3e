import { randomBytes } from 'node:crypto';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { ALICE_DIGEST } from '@connaisseur-mesh/testing';
import { cacheKey, CacheKeyParts, openEntry, sealEntry } from './cache-entry';

const { Verdict } = validatorV1;
const hmacKey = randomBytes(32);
const parts: CacheKeyParts = { configVersion: 'v1', ruleIndex: 2, pattern: 'registry.io/*', validatorName: 'cosign', image: 'registry.io/app:1' };
const key = cacheKey(parts);
const verified = { verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST, reason: '' };
const later = Date.now() + 60_000;

describe('cache keys', () => {
  it.each(Object.keys(parts) as (keyof CacheKeyParts)[])('change with %s', (part) => {
    const other = { ...parts, [part]: typeof parts[part] === 'number' ? 3 : `${parts[part]}x` };
    expect(cacheKey(other)).not.toBe(key);
  });

  it('are prefixed and hold no image name', () => {
    expect(key).toMatch(/^connaisseur-mesh:verdict:v1:[0-9a-f]{64}$/);
  });
});

describe('sealed cache entries', () => {
  it('open to the verdict they were sealed with', () => {
    expect(openEntry(hmacKey, key, sealEntry(hmacKey, key, verified, later))).toEqual(verified);
    const rejected = { verdict: Verdict.VERDICT_REJECTED, digest: '', reason: 'no signatures' };
    expect(openEntry(hmacKey, key, sealEntry(hmacKey, key, rejected, later))).toEqual(rejected);
  });

  it('do not open with another HMAC key (someone without CACHE_HMAC_KEY wrote it)', () => {
    expect(openEntry(randomBytes(32), key, sealEntry(hmacKey, key, verified, later))).toBeUndefined();
  });

  it('do not open under another key (an entry copied from another image)', () => {
    const other = cacheKey({ ...parts, image: 'registry.io/evil:1' });
    expect(openEntry(hmacKey, other, sealEntry(hmacKey, key, verified, later))).toBeUndefined();
  });

  it.each([
    ['a changed verdict', (e: Record<string, unknown>) => ({ ...e, verdict: Verdict.VERDICT_VERIFIED })],
    ['a changed digest', (e: Record<string, unknown>) => ({ ...e, digest: `sha256:${'0'.repeat(64)}` })],
    ['a later expiry', (e: Record<string, unknown>) => ({ ...e, expiresAt: Number(e.expiresAt) + 1 })],
    ['no MAC', (e: Record<string, unknown>) => ({ ...e, mac: undefined })],
    ['an empty MAC', (e: Record<string, unknown>) => ({ ...e, mac: '' })],
  ])('do not open with %s', (_name, change) => {
    const rejected = { verdict: Verdict.VERDICT_REJECTED, digest: ALICE_DIGEST, reason: 'no signatures' };
    const stored = JSON.parse(sealEntry(hmacKey, key, rejected, later));
    expect(openEntry(hmacKey, key, JSON.stringify(change(stored)))).toBeUndefined();
  });

  it.each([['not json'], ['null'], ['{}'], ['[]'], [JSON.stringify({ digest: ALICE_DIGEST, error: '' })]])('ignore malformed entry %s', (stored) => {
    expect(openEntry(hmacKey, key, stored)).toBeUndefined();
  });

  it('do not open once expired, even if the store kept them (a replayed entry without TTL)', () => {
    const stored = sealEntry(hmacKey, key, verified, 1_000);
    expect(openEntry(hmacKey, key, stored, 999)).toEqual(verified);
    expect(openEntry(hmacKey, key, stored, 1_000)).toBeUndefined();
  });
});
