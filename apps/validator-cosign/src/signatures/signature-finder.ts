import { X509Certificate } from '@sigstore/core';
import { Bundle, bundleFromJSON, TransparencyLogEntry } from '@sigstore/bundle';
import { parseJson } from '@connaisseur-mesh/json';
import { ByteBudget, Descriptor, OverBudget, RegistryClient, RegistryError, RepositoryRef } from '@connaisseur-mesh/registry-client';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** What cosign 2 writes as an OCI 1.1 referrer (`--registry-referrers-mode=oci-1-1`). */
export const COSIGN_SIG_ARTIFACT_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
/** What cosign 3 writes: a Sigstore bundle as an OCI 1.1 referrer. */
export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The predicate type of cosign 3's image signatures; every other predicate is an attestation. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';

const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

/** More signatures than this on one image are refused rather than fetched (a hostile registry). */
export const MAX_SIGNATURES = 64;
/**
 * Referrer manifests one validation fetches at most: a real image has a handful of signatures and
 * attestations, and a referrers index can list thousands whose manifests each cost a GET.
 */
export const MAX_REFERRER_MANIFESTS = 32;
/**
 * Bytes one validation downloads at most while looking for signatures (every manifest and blob):
 * a signature payload is a few hundred bytes, a bundle a few KiB.
 */
export const MAX_SIGNATURE_BYTES = 8 << 20;
/** One payload or bundle, at most (and never more than is left of MAX_SIGNATURE_BYTES). */
export const MAX_SIGNATURE_BLOB_BYTES = 1 << 20;

/** A cosign "simple signing" signature: a layer of a `.sig` manifest or of an OCI 1.1 referrer. */
export interface SimpleSigningSignature {
  format: 'tag' | 'oci-1.1';
  /** Where it was found, for messages: `<manifest digest>#<layer index>`. */
  source: string;
  payload: Buffer;
  signature: Buffer;
  certificate?: X509Certificate;
  chain: X509Certificate[];
  /** The Rekor entry from the offline bundle annotation, if any. */
  tlogEntry?: TransparencyLogEntry;
}

/** A Sigstore bundle attached by cosign 3. */
export interface BundleSignature {
  format: 'bundle';
  source: string;
  bundle: Bundle;
}

/** A signature that could not be decoded; kept so that the reason shows in the verdict. */
export interface UnusableSignature {
  format: 'unusable';
  source: string;
  problem: string;
}

export type SignatureCandidate = SimpleSigningSignature | BundleSignature | UnusableSignature;

/**
 * Every signature attached to the image `digest`: the legacy `sha256-<hex>.sig` tag, and OCI 1.1
 * referrers (the referrers API or its tag-schema fallback) holding cosign signatures or cosign 3
 * bundles. What a hostile registry can make this cost is bounded: MAX_REFERRER_MANIFESTS referrer
 * manifests and MAX_SIGNATURE_BYTES in all, beyond which the search stops with a RegistryError of
 * kind invalid-content (a rejection). Registry errors other than "not found" propagate (the caller
 * maps them to gRPC codes).
 */
export async function findSignatures(client: RegistryClient, repo: RepositoryRef, digest: string, signal: AbortSignal): Promise<SignatureCandidate[]> {
  const image = `${repo.repository}@${digest}`;
  const budget = new ByteBudget(MAX_SIGNATURE_BYTES, `signature data on ${image}`);
  const candidates: SignatureCandidate[] = [];
  const payloads = new Map<string, Promise<Buffer>>();
  const blob = (layer: Descriptor) => {
    let pending = payloads.get(layer.digest);
    if (!pending) {
      pending = client.getBlob(repo, layer.digest, signal, { budget, maxBytes: blobCap(layer) });
      payloads.set(layer.digest, pending);
    }
    return pending;
  };

  const legacy = await client.getManifest(repo, `${digest.replace(':', '-')}.sig`, signal, { budget });
  if (legacy) candidates.push(...(await simpleSigningLayers('tag', legacy.digest, legacy.json.layers, blob)));

  const fetched = new Set<string>();
  for (const referrer of await client.getReferrers(repo, digest, signal, { budget })) {
    if (candidates.length > MAX_SIGNATURES) break;
    // Skipped without a GET, so not counted: what the index itself says is not cosign's.
    if (referrer.artifactType !== COSIGN_SIG_ARTIFACT_TYPE && referrer.artifactType !== SIGSTORE_BUNDLE_V03) continue;
    if (fetched.has(referrer.digest)) continue;
    if (fetched.size === MAX_REFERRER_MANIFESTS) {
      throw new RegistryError('invalid-content', `more than ${MAX_REFERRER_MANIFESTS} signature referrers on ${image}; not examining more`);
    }
    fetched.add(referrer.digest);
    const manifest = await client.getManifest(repo, referrer.digest, signal, { budget });
    if (!manifest) continue;
    const { json } = manifest;
    // A referrer must name this image as its subject; an index that says otherwise is ignored.
    if (json.subject?.digest !== digest) continue;
    if (json.artifactType === COSIGN_SIG_ARTIFACT_TYPE || json.config?.mediaType === COSIGN_SIG_ARTIFACT_TYPE) {
      candidates.push(...(await simpleSigningLayers('oci-1.1', manifest.digest, json.layers, blob)));
    } else if (json.artifactType === SIGSTORE_BUNDLE_V03) {
      const predicate = json.annotations?.[BUNDLE_PREDICATE_ANNOTATION];
      if (predicate !== undefined && predicate !== COSIGN_SIGN_PREDICATE) continue; // an attestation
      candidates.push(await bundleLayer(manifest.digest, json.layers, blob));
    }
  }
  if (candidates.length > MAX_SIGNATURES) {
    throw new RegistryError('invalid-content', `more than ${MAX_SIGNATURES} signatures are attached to ${image}`);
  }
  return candidates;
}

/**
 * A blob's cap: the size its descriptor gives (OCI: the content's exact size), at most
 * MAX_SIGNATURE_BLOB_BYTES. Reserving what the blob really needs lets the payloads of one
 * manifest be fetched at once without an honest image running out of budget.
 */
function blobCap(layer: Descriptor): number {
  return Number.isSafeInteger(layer.size) && layer.size >= 0 ? Math.min(layer.size, MAX_SIGNATURE_BLOB_BYTES) : MAX_SIGNATURE_BLOB_BYTES;
}

/** Whether an error while reading one signature makes just that one unusable, rather than ending the search. */
function spoilsOneSignature(e: unknown): boolean {
  return !(e instanceof OverBudget) && !(e instanceof RegistryError && e.kind !== 'not-found' && e.kind !== 'invalid-content');
}

async function simpleSigningLayers(
  format: 'tag' | 'oci-1.1',
  manifestDigest: string,
  layers: Descriptor[] | undefined,
  blob: (layer: Descriptor) => Promise<Buffer>,
): Promise<SignatureCandidate[]> {
  const signatures = (Array.isArray(layers) ? layers : []).slice(0, MAX_SIGNATURES + 1);
  return Promise.all(
    signatures.map(async (layer, i): Promise<SignatureCandidate> => {
      const source = `${manifestDigest}#${i}`;
      if (layer?.mediaType !== SIMPLE_SIGNING) return { format: 'unusable', source, problem: `layer media type ${String(layer?.mediaType)}` };
      const annotations = layer.annotations ?? {};
      try {
        const signature = Buffer.from(annotations[SIGNATURE_ANNOTATION] ?? '', 'base64');
        if (signature.length === 0) return { format: 'unusable', source, problem: 'no signature annotation' };
        return {
          format,
          source,
          payload: await blob(layer),
          signature,
          certificate: annotations[CERTIFICATE_ANNOTATION] ? X509Certificate.parse(annotations[CERTIFICATE_ANNOTATION]) : undefined,
          chain: splitPem(annotations[CHAIN_ANNOTATION]).map((pem) => X509Certificate.parse(pem)),
          tlogEntry: annotations[REKOR_BUNDLE_ANNOTATION] ? rekorEntry(annotations[REKOR_BUNDLE_ANNOTATION]) : undefined,
        };
      } catch (e) {
        if (!spoilsOneSignature(e)) throw e;
        return { format: 'unusable', source, problem: (e as Error).message };
      }
    }),
  );
}

async function bundleLayer(manifestDigest: string, layers: Descriptor[] | undefined, blob: (layer: Descriptor) => Promise<Buffer>): Promise<SignatureCandidate> {
  const source = manifestDigest;
  const layer = Array.isArray(layers) && layers.length === 1 ? layers[0] : undefined;
  if (!layer || layer.mediaType !== SIGSTORE_BUNDLE_V03) return { format: 'unusable', source, problem: 'not a single Sigstore bundle layer' };
  try {
    return { format: 'bundle', source, bundle: bundleFromJSON(parseJson(await blob(layer))) };
  } catch (e) {
    if (!spoilsOneSignature(e)) throw e;
    return { format: 'unusable', source, problem: `invalid Sigstore bundle: ${(e as Error).message}` };
  }
}

/**
 * cosign's offline Rekor bundle annotation, `{"SignedEntryTimestamp", "Payload": {"body",
 * "integratedTime", "logIndex", "logID"}}`, as the transparency-log entry @sigstore/verify checks.
 */
export function rekorEntry(annotation: string): TransparencyLogEntry {
  const parsed = parseJson(annotation) as {
    SignedEntryTimestamp?: string;
    Payload?: { body?: string; integratedTime?: number; logIndex?: number; logID?: string };
  };
  const payload = parsed.Payload;
  if (!parsed.SignedEntryTimestamp || !payload?.body || payload.integratedTime === undefined || payload.logIndex === undefined || !payload.logID) {
    throw new Error('incomplete Rekor bundle annotation');
  }
  const canonicalizedBody = Buffer.from(payload.body, 'base64');
  const body = parseJson(canonicalizedBody) as { kind?: string; apiVersion?: string };
  return {
    logIndex: String(payload.logIndex),
    logId: { keyId: Buffer.from(payload.logID, 'hex') },
    kindVersion: { kind: body.kind ?? '', version: body.apiVersion ?? '' },
    integratedTime: String(payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: Buffer.from(parsed.SignedEntryTimestamp, 'base64') },
    inclusionProof: undefined,
    canonicalizedBody,
  };
}

function splitPem(text: string | undefined): string[] {
  return text ? (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) : [];
}
