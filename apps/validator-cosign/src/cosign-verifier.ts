import { validatorV1 } from '@connaisseur-mesh/contracts';
import { RepositoryRef } from '@connaisseur-mesh/registry-client';
import { CosignValidatorRuntime } from './cosign-validators';
import { findSignatures } from './signatures/signature-finder';
import { CosignTrustRoot, SignatureCheck, verifySignature } from './signatures/verify-signature';

const { Verdict } = validatorV1;

/** A request the validator cannot answer with a verdict (unknown trust root, malformed image). */
export class UnanswerableRequest extends Error {
  constructor(
    readonly kind: 'precondition' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Verifies one image with one cosign validator (reference §6.3, with the threshold counting
 * distinct trust roots — a Connaisseur defect fixed): resolve the tag, collect every attached
 * signature, check each against the selected trust roots, then apply threshold and required.
 */
export async function verifyImage(
  validator: CosignValidatorRuntime,
  request: validatorV1.ValidateImageRequest,
  signal: AbortSignal,
): Promise<validatorV1.ValidateImageResponse> {
  const image = request.image;
  if (!image?.registry || !image.repository || (!image.tag && !image.digest)) {
    throw new UnanswerableRequest('invalid', 'the request names no image (registry, repository and tag or digest)');
  }
  if (image.digest && !DIGEST.test(image.digest)) throw new UnanswerableRequest('invalid', `invalid digest "${image.digest}"`);
  const options = request.options;
  const trustRoot = options?.trustRoot || 'default';
  const required = options?.required ?? [];
  const roots = selectRoots(validator, trustRoot, required);

  const repo: RepositoryRef = { registry: image.registry, repository: image.repository };
  let digest = image.digest;
  if (!digest) {
    const manifest = await validator.registry.getManifest(repo, image.tag, signal);
    if (!manifest) return rejected(`image ${image.registry}/${image.repository}:${image.tag} does not exist`);
    digest = manifest.digest;
  }

  const candidates = await findSignatures(validator.registry, repo, digest, signal);
  const verifyOptions = {
    digest,
    verifyInTransparencyLog: options?.verifyInTransparencyLog ?? true,
    verifySct: options?.verifySct ?? true,
    anchors: validator.anchors,
  };
  const checks = roots.map((root) => ({ root, checks: candidates.map((c) => verifySignature(c, root, verifyOptions)) }));
  const details = checks.map(({ root, checks: results }) => ({
    trustRoot: root.name,
    verified: results.some((r) => r.valid),
    reason: results.length === 0 ? 'no signatures found' : results.some((r) => r.valid) ? '' : firstReason(results),
  }));
  const signedBy = new Set(details.filter((d) => d.verified).map((d) => d.trustRoot));

  if (trustRoot !== '*') {
    if (signedBy.size > 0) return { verdict: Verdict.VERDICT_VERIFIED, digest, reason: '', details };
    if (candidates.length === 0) return rejected('no signatures found', details);
    if (checks[0].checks.some((c) => !c.valid && c.identityMismatch)) return rejected('none of the expected identities matched', details);
    return rejected(`no matching signatures: ${details[0].reason}`, details);
  }

  const threshold = options?.threshold || (required.length > 0 ? 0 : roots.length);
  if (threshold > 0 && signedBy.size < threshold) return rejected(`validation threshold not reached (${signedBy.size}/${threshold})`, details);
  const missing = required.filter((name) => !signedBy.has(name));
  if (missing.length > 0) return rejected(`missing required signatures from [${missing.join(', ')}]`, details);
  if (signedBy.size === 0) return rejected(candidates.length === 0 ? 'no signatures found' : 'no matching signatures', details);
  return { verdict: Verdict.VERDICT_VERIFIED, digest, reason: '', details };
}

function selectRoots(validator: CosignValidatorRuntime, trustRoot: string, required: string[]): CosignTrustRoot[] {
  for (const name of [...(trustRoot === '*' ? [] : [trustRoot]), ...required]) {
    if (!validator.roots.some((r) => r.name === name)) {
      throw new UnanswerableRequest('precondition', `validator "${validator.name}" has no trust root "${name}"`);
    }
  }
  return trustRoot === '*' ? validator.roots : validator.roots.filter((r) => r.name === trustRoot);
}

function firstReason(results: SignatureCheck[]): string {
  const reasons = [...new Set(results.flatMap((r) => (r.valid ? [] : [r.reason])))];
  return reasons.length > 3 ? `${reasons.slice(0, 3).join('; ')}; …` : reasons.join('; ');
}

function rejected(reason: string, details: validatorV1.TrustRootResult[] = []): validatorV1.ValidateImageResponse {
  return { verdict: Verdict.VERDICT_REJECTED, digest: '', reason, details };
}
