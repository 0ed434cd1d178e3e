import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { LoadedConfig, PolicyRule, RuleOptions, ValidatorConfig } from '@connaisseur-mesh/config';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { ImageReference, InvalidImageReferenceError } from '@connaisseur-mesh/image-reference';
import { MESH_CONFIG } from '@connaisseur-mesh/observability';
import { PolicyMatcher } from '@connaisseur-mesh/policy';
import { ValidatorCallError } from '../validators/validator-client';
import { ValidatorRegistry } from '../validators/validator-registry.service';
import { interpretResponse } from './verdict';

/** What one admission tells each image's validation. */
export interface ValidationContext {
  requestUid: string;
  namespace: string;
  /** The admission's deadline; every validator call carries it. */
  deadline: Date;
}

interface OutcomeBase {
  /** The image as written. */
  raw: string;
  /** Validator type, or "unknown" before a validator was resolved (metric label). */
  type: string;
  validatorName: string;
  pattern?: string;
}

export interface Admitted extends OutcomeBase {
  allowed: true;
  /** Name() before validation. */
  oldName: string;
  /** Name() pinned to the trusted digest; equal to oldName when nothing changes. */
  newName: string;
  mode: 'mutate' | 'insecureValidateOnly';
}

export interface Denied extends OutcomeBase {
  allowed: false;
  message: string;
}

export type ImageOutcome = Admitted | Denied;

/**
 * The per-image pipeline (ARCHITECTURE.md "Admission flow" step 4): parse → rule → validator →
 * static validators decide at once → validator service over gRPC. It never throws: every error
 * becomes a denial that names the image (and the validator, when one was resolved).
 */
@Injectable()
export class ImageValidationService {
  private readonly matcher: PolicyMatcher<PolicyRule>;

  constructor(
    @Inject(MESH_CONFIG) config: LoadedConfig,
    private readonly validators: ValidatorRegistry,
  ) {
    this.matcher = new PolicyMatcher(config.config.policy, config.config.policyMatching);
  }

  /** The validator the policy sends an image to (for messages), if any. */
  validatorFor(raw: string): string | undefined {
    const image = ImageReference.tryParse(raw);
    return image && this.matcher.match(image)?.rule.validator;
  }

  async validate(raw: string, context: ValidationContext): Promise<ImageOutcome> {
    let image: ImageReference;
    try {
      image = ImageReference.parse(raw);
    } catch (e) {
      const why = e instanceof InvalidImageReferenceError ? ` (${e.why})` : '';
      return denied({ raw, type: 'unknown', validatorName: '' }, `image ${raw}: invalid image reference${why}`);
    }
    const match = this.matcher.match(image);
    if (!match) return denied({ raw, type: 'unknown', validatorName: '' }, `image ${raw}: no matching rule`);
    const rule = match.rule;
    const entry = this.validators.get(rule.validator);
    if (!entry) {
      return denied({ raw, type: 'unknown', validatorName: rule.validator, pattern: rule.pattern }, `image ${raw}: validator "${rule.validator}" not found`);
    }
    const base: OutcomeBase = { raw, type: entry.config.type, validatorName: entry.config.name, pattern: rule.pattern };
    const mode = (rule.with?.mode as Admitted['mode'] | undefined) ?? 'mutate';
    const name = image.name();

    // Static validators decide at once; they are never skipped and never cached.
    if (entry.config.type === 'static') {
      return entry.config.approve
        ? { ...base, allowed: true, oldName: name, newName: name, mode }
        : denied(base, `static deny for image ${raw} using rule ${rule.pattern}`);
    }

    const failure = (reason: string) => denied(base, `error during ${entry.config.type} validation of image ${raw}: ${reason}`);
    if (!entry.client) return failure(`validator "${entry.config.name}" has no service`);
    let response: validatorV1.ValidateImageResponse;
    try {
      // The admission's own timer decides a timeout; the call's deadline only bounds the call.
      const deadline = new Date(context.deadline.getTime() + CALL_DEADLINE_GRACE_MS);
      response = await entry.client.validateImage(buildRequest(image, entry.config, rule, context), deadline);
    } catch (e) {
      return failure(describeCallError(e, entry.config.name, entry.client.address));
    }
    const verdict = interpretResponse(response, image);
    if (!verdict.verified) return failure(verdict.reason);
    return { ...base, allowed: true, oldName: name, newName: image.withDigest(verdict.digest).name(), mode };
  }
}

const CALL_DEADLINE_GRACE_MS = 1_000;

function denied(base: OutcomeBase, message: string): Denied {
  return { ...base, allowed: false, message };
}

function describeCallError(e: unknown, validator: string, address: string): string {
  if (!(e instanceof ValidatorCallError)) return `validator "${validator}" (${address}) failed: ${(e as Error).message}`;
  switch (e.code) {
    case status.UNAVAILABLE:
      return `validator "${validator}" is unavailable (${address}): ${e.details}`;
    case status.DEADLINE_EXCEEDED:
      return `validator "${validator}" (${address}) did not answer before the admission deadline`;
    default:
      return `validator "${validator}" (${address}) failed with ${status[e.code] ?? e.code}: ${e.details}`;
  }
}

/** The request of the validator contract; the rule's options with management's defaults. */
function buildRequest(
  image: ImageReference,
  validator: ValidatorConfig,
  rule: PolicyRule,
  context: ValidationContext,
): validatorV1.ValidateImageRequest {
  const options = (rule.with ?? {}) as RuleOptions;
  return {
    image: { original: image.original, registry: image.registry, repository: image.repository, tag: image.tag, digest: image.digest },
    validatorName: validator.name,
    options: {
      trustRoot: options.trustRoot ?? 'default',
      threshold: options.threshold ?? 0,
      required: options.required ?? [],
      delegations: options.delegations ?? [],
      verifyInTransparencyLog: options.verifyInTransparencyLog ?? true,
      verifySct: options.verifySCT ?? true,
      verificationLevel: options.verificationLevel ?? 'strict',
      verifyTimestamp: options.verifyTimestamp ?? 'always',
    },
    extraOptions: validator.type === 'external' ? (rule.with ?? {}) : undefined,
    context: { requestUid: context.requestUid, namespace: context.namespace },
  };
}
