import { validatorV1 } from '@connaisseur-mesh/contracts';
import { ImageReference, isDigest } from '@connaisseur-mesh/image-reference';

export type VerdictResult = { verified: true; digest: string } | { verified: false; reason: string };

/**
 * Management's reading of a validator's answer (ARCHITECTURE.md "Validator contract"): only a
 * VERIFIED verdict with a well-formed digest, equal to the one the reference pins (if any),
 * admits. Everything else, including verdicts this version does not know, is a rejection.
 */
export function interpretResponse(
  response: Pick<validatorV1.ValidateImageResponse, 'verdict' | 'digest' | 'reason'>,
  image: ImageReference,
): VerdictResult {
  switch (response.verdict) {
    case validatorV1.Verdict.VERDICT_VERIFIED: {
      if (!isDigest(response.digest)) {
        const tag = image.tag ? `:${image.tag}` : '';
        return { verified: false, reason: `validated image reference ${image.context}${tag}@${response.digest} has invalid format` };
      }
      if (image.digest && response.digest !== image.digest) {
        return { verified: false, reason: `the validator verified digest ${response.digest}, but the image pins ${image.digest}` };
      }
      return { verified: true, digest: response.digest };
    }
    case validatorV1.Verdict.VERDICT_REJECTED:
      return { verified: false, reason: response.reason || 'rejected without a reason' };
    default:
      return { verified: false, reason: `the validator returned no verdict (verdict ${response.verdict})` };
  }
}
