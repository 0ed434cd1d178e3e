import { createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Key material in the configuration, checked at load so that a bad key is a start-up error. */

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/g;
const KMS_URI = /^(awskms|gcpkms|azurekms|hashivault|k8s):\/\//;

export class KeyMaterialError extends Error {}

interface PemBlock {
  type: string;
  text: string;
}

function pemBlocks(pem: string): { blocks: PemBlock[]; rest: string } {
  const blocks: PemBlock[] = [];
  const rest = pem.replace(PEM_BLOCK, (text, type: string) => {
    blocks.push({ type, text });
    return '';
  });
  return { blocks, rest };
}

/** True when the value names a key in a KMS instead of holding it (cosign's `key` can). */
export function isKmsReference(value: string): boolean {
  return KMS_URI.test(value.trim());
}

export const SUPPORTED_KEY_TYPES = ['ec', 'rsa', 'ed25519'] as const;

/**
 * Parses exactly one PEM `PUBLIC KEY` (PKIX) block: ECDSA, RSA or Ed25519. Whitespace around the
 * block is fine; any other text is an error (Connaisseur: "contains extraneous characters").
 */
export function parsePublicKeyPem(pem: string): KeyObject {
  const { blocks, rest } = pemBlocks(pem);
  if (blocks.length === 0) throw new KeyMaterialError('wrong format, provide a PEM encoded public key');
  if (blocks.length > 1) throw new KeyMaterialError('holds more than one PEM block; provide one public key');
  if (rest.trim() !== '') throw new KeyMaterialError('contains extraneous characters');
  if (blocks[0].type !== 'PUBLIC KEY') {
    throw new KeyMaterialError(`is a "${blocks[0].type}" block; provide a PEM encoded public key ("PUBLIC KEY")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(blocks[0].text);
  } catch (e) {
    throw new KeyMaterialError(`is not a valid public key (${(e as Error).message})`);
  }
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(key.asymmetricKeyType ?? '')) {
    throw new KeyMaterialError(`has unsupported key type "${key.asymmetricKeyType}" (supported: ECDSA, RSA, Ed25519)`);
  }
  return key;
}

/** Parses one or more PEM `CERTIFICATE` blocks (and nothing else). */
export function parseCertificatesPem(pem: string): X509Certificate[] {
  const { blocks, rest } = pemBlocks(pem);
  if (blocks.length === 0) throw new KeyMaterialError('wrong format, provide PEM encoded certificates');
  if (rest.trim() !== '') throw new KeyMaterialError('contains extraneous characters');
  return blocks.map((block, i) => {
    if (block.type !== 'CERTIFICATE') {
      throw new KeyMaterialError(`block ${i + 1} is a "${block.type}" block, not a CERTIFICATE`);
    }
    try {
      return new X509Certificate(block.text);
    } catch (e) {
      throw new KeyMaterialError(`block ${i + 1} is not a valid certificate (${(e as Error).message})`);
    }
  });
}

/**
 * The PEM certificates (a CA) in the file an environment variable names, read and parsed at start:
 * Node's TLS takes a file that holds no certificate without a word, and every connection then
 * fails later (or, for a cache, every lookup misses).
 */
export function readCertificatesFile(variable: string, file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeyMaterialError(`${variable}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    parseCertificatesPem(pem);
  } catch (e) {
    throw new KeyMaterialError(`${variable} ${file}: ${(e as Error).message}`);
  }
  return pem;
}
