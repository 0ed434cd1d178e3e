import { createHash, KeyObject } from 'node:crypto';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, TrustMaterial } from '@sigstore/verify';
import { CosignHost, parseCertificatesPem, parsePublicKeyPem } from '@connaisseur-mesh/config';
import publicGood from './sigstore-public-good.trusted-root.json';

/**
 * The Sigstore trust anchors of one cosign validator: the Rekor log key (transparency log), the
 * Fulcio root certificates (keyless) and the certificate-transparency log keys (SCTs). Each one
 * comes from the validator's `host` block when set, else from Sigstore's public-good instance
 * (`sigstore-public-good.trusted-root.json`, the trusted root seeded in @sigstore/tuf; refresh it
 * from https://tuf-repo-cdn.sigstore.dev when Sigstore rotates keys).
 */
type CertAuthority = TrustMaterial['certificateAuthorities'][number];
type TLogAuthority = TrustMaterial['tlogs'][number];

export interface SigstoreAnchors {
  tlogs: TLogAuthority[];
  ctlogs: TLogAuthority[];
  certificateAuthorities: CertAuthority[];
}

const ALWAYS = { start: new Date(0), end: new Date(8.64e15) };

let publicGoodMaterial: TrustMaterial | undefined;
function publicGoodAnchors(): TrustMaterial {
  publicGoodMaterial ??= toTrustMaterial(TrustedRoot.fromJSON(publicGood));
  return publicGoodMaterial;
}

export function sigstoreAnchors(host: CosignHost | undefined): SigstoreAnchors {
  const defaults = publicGoodAnchors();
  return {
    tlogs: host?.rekorPubkey ? [logAuthority(parsePublicKeyPem(host.rekorPubkey))] : defaults.tlogs,
    ctlogs: host?.ctLogPubkey ? [logAuthority(parsePublicKeyPem(host.ctLogPubkey))] : defaults.ctlogs,
    certificateAuthorities: host?.fulcioCert
      ? [{ certChain: parseCertificatesPem(host.fulcioCert).map((c) => X509Certificate.parse(c.toString())), validFor: ALWAYS }]
      : defaults.certificateAuthorities,
  };
}

/** A log identified, as Rekor and CT logs are, by the SHA-256 of its DER public key. */
function logAuthority(publicKey: KeyObject): TLogAuthority {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { logID: createHash('sha256').update(der).digest(), publicKey, baseURL: '', validFor: ALWAYS };
}

/**
 * The certificate authorities, each extended by the intermediates a signature carries (cosign's
 * `dev.sigstore.cosign/chain` annotation) that chain to it. Only intermediates that verify up to
 * a configured certificate are added: @sigstore/verify accepts any path that contains a trusted
 * certificate, so an unverified one must never be listed as trusted.
 */
export function withVerifiedIntermediates(authorities: CertAuthority[], presented: X509Certificate[]): CertAuthority[] {
  if (presented.length === 0) return authorities;
  return authorities.map((authority) => {
    const trusted = [...authority.certChain];
    for (let grew = true; grew; ) {
      grew = false;
      for (const candidate of presented) {
        if (!candidate.isCA || trusted.some((t) => t.equals(candidate))) continue;
        if (trusted.some((t) => t.isCA && safeVerify(candidate, t))) {
          trusted.push(candidate);
          grew = true;
        }
      }
    }
    return { ...authority, certChain: trusted };
  });
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer);
  } catch {
    return false;
  }
}
