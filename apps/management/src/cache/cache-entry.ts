import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { validatorV1 } from '@connaisseur-mesh/contracts';

/** What the cache keeps of a validator's answer: exactly what management reads of it. */
export interface CachedVerdict {
  verdict: validatorV1.Verdict;
  digest: string;
  reason: string;
}

/** What a cache key covers (ARCHITECTURE.md "Cache"): a new config, rule or validator never reuses a result. */
export interface CacheKeyParts {
  configVersion: string;
  ruleIndex: number;
  pattern: string;
  validatorName: string;
  /** The image as written. */
  image: string;
}

const KEY_PREFIX = 'connaisseur-mesh:verdict:v1:';

export function cacheKey(parts: CacheKeyParts): string {
  const material = JSON.stringify([parts.configVersion, parts.ruleIndex, parts.pattern, parts.validatorName, parts.image]);
  return KEY_PREFIX + createHash('sha256').update(material).digest('hex');
}

interface StoredEntry extends CachedVerdict {
  /** Milliseconds since the epoch; signed, so a replayed old entry (SET without TTL) expires all the same. */
  expiresAt: number;
  mac: string;
}

/**
 * An entry as stored: the verdict, its expiry and an HMAC-SHA256 over both and the key, so an
 * entry that someone else wrote, or copied from another key, does not verify.
 */
export function sealEntry(hmacKey: Buffer, key: string, verdict: CachedVerdict, expiresAt: number): string {
  const entry = { verdict: verdict.verdict, digest: verdict.digest, reason: verdict.reason, expiresAt };
  return JSON.stringify({ ...entry, mac: mac(hmacKey, key, entry) });
}

/** The verdict of a stored entry, or undefined when it does not verify, is malformed or has expired. */
export function openEntry(hmacKey: Buffer, key: string, stored: string, now = Date.now()): CachedVerdict | undefined {
  let entry: Partial<StoredEntry>;
  try {
    entry = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (
    typeof entry !== 'object' ||
    entry === null ||
    typeof entry.verdict !== 'number' ||
    typeof entry.digest !== 'string' ||
    typeof entry.reason !== 'string' ||
    typeof entry.expiresAt !== 'number' ||
    typeof entry.mac !== 'string'
  ) {
    return undefined;
  }
  const { verdict, digest, reason, expiresAt } = entry;
  const expected = Buffer.from(mac(hmacKey, key, { verdict, digest, reason, expiresAt }), 'hex');
  const given = Buffer.from(entry.mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (expiresAt <= now) return undefined;
  return { verdict, digest, reason };
}

function mac(hmacKey: Buffer, key: string, entry: Omit<StoredEntry, 'mac'>): string {
  return createHmac('sha256', hmacKey)
    .update(JSON.stringify([key, entry.verdict, entry.digest, entry.reason, entry.expiresAt]))
    .digest('hex');
}
