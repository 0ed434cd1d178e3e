import { validatorV1 } from '@connaisseur-mesh/contracts';
import { ImageReference, isDigest } from '@connaisseur-mesh/image-reference';

export type VerdictResult = { verified: true; digest: string } | { verified: false; reason: string };

/**
 * The longest text of a validator's that goes into a denial: a validator is another service (an
 * external one is third-party code), and its strings end up in the API server's answer, in alerts,
 * logs and the cache.
 */
export const MAX_VALIDATOR_TEXT = 1000;

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
        return { verified: false, reason: `validated image reference ${image.context}${tag}@${shortened(response.digest)} has invalid format` };
      }
      if (image.digest && response.digest !== image.digest) {
        return { verified: false, reason: `the validator verified digest ${response.digest}, but the image pins ${image.digest}` };
      }
      return { verified: true, digest: response.digest };
    }
    case validatorV1.Verdict.VERDICT_REJECTED:
      return { verified: false, reason: shortened(response.reason) || 'rejected without a reason' };
    default:
      return { verified: false, reason: `the validator returned no verdict (verdict ${response.verdict})` };
  }
}

function shortened(text: string): string {
  return text.length > MAX_VALIDATOR_TEXT ? `${text.slice(0, MAX_VALIDATOR_TEXT)}…` : text;
}
