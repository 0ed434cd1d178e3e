import { createHash, KeyObject, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { EXTENSION_OID_SCT, X509Certificate } from '@sigstore/core';
import { toSignedEntity, Verifier, VerificationError } from '@sigstore/verify';
import type { SignedEntity, Signer, TrustMaterial } from '@sigstore/verify';
import { parseJson } from '@connaisseur-mesh/json';
import { withVerifiedIntermediates, SigstoreAnchors } from '../trust/trust-material';
import { BundleSignature, COSIGN_SIGN_PREDICATE, SignatureCandidate, SimpleSigningSignature } from './signature-finder';

/** A trust root of a cosign validator, ready to verify with. */
export type CosignTrustRoot =
  | { name: string; kind: 'key'; key: KeyObject }
  | { name: string; kind: 'keyless'; issuer: IdentityMatcher; subject: IdentityMatcher };

/** An exact value or a regular expression (unanchored, as cosign's `*Regexp` options). */
export type IdentityMatcher = { exact: string } | { regex: RegExp };

export interface VerifyOptions {
  /** The image digest the signature must be about. */
  digest: string;
  verifyInTransparencyLog: boolean;
  verifySct: boolean;
  anchors: SigstoreAnchors;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: string; identityMismatch?: boolean };

const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/**
 * Whether one signature is valid for one trust root: the signature over the payload, the payload
 * about this image's digest, the Rekor entry (when the transparency log is required), and for
 * keyless roots the certificate chain, the SCT and the identity. The cryptography is
 * @sigstore/verify's; this function only presents cosign's formats to it.
 */
export function verifySignature(candidate: SignatureCandidate, root: CosignTrustRoot, options: VerifyOptions): SignatureCheck {
  try {
    switch (candidate.format) {
      case 'unusable':
        return { valid: false, reason: candidate.problem };
      case 'bundle':
        return verifyBundle(candidate, root, options);
      default:
        return verifySimpleSigning(candidate, root, options);
    }
  } catch (e) {
    return { valid: false, reason: e instanceof VerificationError ? e.message : `cannot verify: ${(e as Error).message}` };
  }
}

function verifySimpleSigning(candidate: SimpleSigningSignature, root: CosignTrustRoot, options: VerifyOptions): SignatureCheck {
  const payload = simpleSigningPayload(candidate.payload);
  if (!payload) return { valid: false, reason: 'the payload is not a cosign simple-signing payload' };
  if (payload.digest !== options.digest) {
    return { valid: false, reason: `the payload signs ${payload.digest}, not ${options.digest}` };
  }
  if (root.kind === 'keyless' && !candidate.certificate) return { valid: false, reason: 'no certificate for a keyless trust root' };
  if (options.verifyInTransparencyLog && !candidate.tlogEntry) return { valid: false, reason: 'no transparency log entry (Rekor bundle)' };

  const payloadDigest = createHash('sha256').update(candidate.payload).digest();
  const entry = options.verifyInTransparencyLog ? candidate.tlogEntry : undefined;
  const entity: SignedEntity = {
    signature: {
      signature: candidate.signature,
      compareSignature: (signature) => equal(signature, candidate.signature),
      compareDigest: (digest) => equal(digest, payloadDigest),
      verifySignature: (key) => verifyRaw(key, candidate.payload, candidate.signature),
    },
    key: root.kind === 'keyless' ? { $case: 'certificate', certificate: leaf(candidate.certificate!, options) } : { $case: 'public-key', hint: root.name },
    tlogEntries: entry ? [entry] : [],
    timestamps: entry ? [{ $case: 'transparency-log', tlogEntry: entry }] : [],
  };
  return checkIdentity(root, verifier(root, options, candidate.chain).verify(entity));
}

function verifyBundle(candidate: BundleSignature, root: CosignTrustRoot, options: VerifyOptions): SignatureCheck {
  const { bundle } = candidate;
  if (bundle.content.$case !== 'dsseEnvelope') return { valid: false, reason: 'a cosign 3 image signature is a DSSE envelope' };
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { valid: false, reason: `unexpected payload type ${envelope.payloadType}` };
  const statement = inTotoStatement(Buffer.from(envelope.payload));
  if (!statement) return { valid: false, reason: 'the bundle payload is not an in-toto statement' };
  // Attestations (provenance, SBOMs, …) are in-toto statements too; only cosign's signature predicate counts.
  if (statement.predicateType !== COSIGN_SIGN_PREDICATE) return { valid: false, reason: `an attestation (${statement.predicateType}) is not a signature` };
  const hex = options.digest.slice('sha256:'.length);
  if (!statement.subjects.some((s) => s === hex)) return { valid: false, reason: `the statement is not about ${options.digest}` };
  if (options.verifyInTransparencyLog && bundle.verificationMaterial.tlogEntries.length === 0) {
    return { valid: false, reason: 'no transparency log entry in the bundle' };
  }
  const entity = toSignedEntity(bundle);
  if (root.kind === 'keyless' && entity.key.$case !== 'certificate') return { valid: false, reason: 'no certificate for a keyless trust root' };
  if (root.kind === 'key' && entity.key.$case === 'certificate') return { valid: false, reason: 'signed with a certificate, not a key' };
  if (root.kind === 'key') entity.key = { $case: 'public-key', hint: root.name };
  else if (entity.key.$case === 'certificate') entity.key = { $case: 'certificate', certificate: leaf(entity.key.certificate, options) };
  if (!options.verifyInTransparencyLog) {
    entity.tlogEntries = [];
    entity.timestamps = entity.timestamps.filter((t) => t.$case !== 'transparency-log');
  }
  const material = bundle.verificationMaterial.content;
  const intermediates =
    material.$case === 'x509CertificateChain' ? material.x509CertificateChain.certificates.slice(1).map((c) => X509Certificate.parse(Buffer.from(c.rawBytes))) : [];
  return checkIdentity(root, verifier(root, options, intermediates).verify(entity));
}

/** A verifier for one trust root; `presentedChain`: intermediates the signature carries (untrusted). */
function verifier(root: CosignTrustRoot, options: VerifyOptions, presentedChain: X509Certificate[]): Verifier {
  const material: TrustMaterial = {
    certificateAuthorities: root.kind === 'keyless' ? withVerifiedIntermediates(options.anchors.certificateAuthorities, presentedChain) : [],
    timestampAuthorities: [],
    tlogs: options.verifyInTransparencyLog ? options.anchors.tlogs : [],
    ctlogs: options.anchors.ctlogs,
    publicKey: () => {
      if (root.kind !== 'key') throw new VerificationError({ code: 'PUBLIC_KEY_ERROR', message: 'no public key for a keyless trust root' });
      return { publicKey: root.key, validFor: () => true };
    },
  };
  const tlog = options.verifyInTransparencyLog ? 1 : 0;
  return new Verifier(material, {
    tlogThreshold: tlog,
    timestampThreshold: tlog,
    ctlogThreshold: root.kind === 'keyless' && options.verifySct ? 1 : 0,
  });
}

/**
 * The signing certificate as @sigstore/verify should see it. With `verifySCT: false` its SCTs are
 * hidden: the library checks every SCT a certificate carries, and reads them from a clone of the
 * leaf, so a clone without the SCT extension means "no SCT to check". The certificate's own
 * bytes and signature are untouched (the test "without SCT verification…" guards this).
 */
function leaf(certificate: X509Certificate, options: VerifyOptions): X509Certificate {
  return options.verifySct ? certificate : new CertificateWithoutScts(certificate.root);
}

class CertificateWithoutScts extends X509Certificate {
  override clone(): X509Certificate {
    const copy = super.clone();
    const i = copy.extensions.findIndex((extension) => extension.subs[0].toOID() === EXTENSION_OID_SCT);
    if (i >= 0) copy.extensions.splice(i, 1);
    return copy;
  }
}

function checkIdentity(root: CosignTrustRoot, signer: Signer): SignatureCheck {
  if (root.kind === 'key') return { valid: true };
  const issuer = signer.identity?.extensions?.issuer;
  const subject = signer.identity?.subjectAlternativeName;
  if (matches(root.issuer, issuer) && matches(root.subject, subject)) return { valid: true };
  return { valid: false, identityMismatch: true, reason: `identity ${subject ?? '(none)'} from ${issuer ?? '(no issuer)'} is not the expected one` };
}

function matches(matcher: IdentityMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  return 'exact' in matcher ? matcher.exact === value : matcher.regex.test(value);
}

/** ECDSA and RSA (PKCS#1 v1.5) over SHA-256, Ed25519 over the raw payload: what cosign signs with. */
function verifyRaw(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return cryptoVerify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, signature);
  } catch {
    return false;
  }
}

function simpleSigningPayload(payload: Buffer): { digest: string } | undefined {
  try {
    const parsed = parseJson(payload) as { critical?: { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } } };
    const digest = parsed.critical?.image?.['docker-manifest-digest'];
    if (parsed.critical?.type !== SIMPLE_SIGNING_TYPE || typeof digest !== 'string') return undefined;
    return { digest };
  } catch {
    return undefined;
  }
}

function inTotoStatement(payload: Buffer): { predicateType: string; subjects: string[] } | undefined {
  try {
    const parsed = parseJson(payload) as { _type?: unknown; predicateType?: unknown; subject?: Array<{ digest?: { sha256?: unknown } }> };
    if (parsed._type !== IN_TOTO_STATEMENT_V1 || typeof parsed.predicateType !== 'string' || !Array.isArray(parsed.subject)) return undefined;
    const subjects = parsed.subject.map((s) => s?.digest?.sha256).filter((d): d is string => typeof d === 'string');
    return { predicateType: parsed.predicateType, subjects };
  } catch {
    return undefined;
  }
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
