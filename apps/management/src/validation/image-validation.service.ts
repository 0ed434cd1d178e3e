import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { LoadedConfig, PolicyRule, RuleOptions, ValidatorConfig } from '@connaisseur-mesh/config';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { ImageReference, InvalidImageReferenceError } from '@connaisseur-mesh/image-reference';
import { MESH_CONFIG } from '@connaisseur-mesh/observability';
import { PolicyMatcher } from '@connaisseur-mesh/policy';
import { ParentImagesService } from '../approval/parent-images.service';
import { cacheKey } from '../cache/cache-entry';
import { VerdictCache } from '../cache/verdict-cache.service';
import { ManagementMetrics, SkipReason } from '../metrics/management-metrics';
import { ValidatorCallError } from '../validators/validator-client';
import { ValidatorEntry, ValidatorRegistry } from '../validators/validator-registry.service';
import { SingleFlight } from './single-flight';
import { interpretResponse, VerdictResult } from './verdict';

/** What one admission tells each image's validation. */
export interface ValidationContext {
  requestUid: string;
  namespace: string;
  /** The admission's deadline; every validator call carries it. */
  deadline: Date;
  /** UPDATE: every image string of the old object (automatic unchanged approval). */
  previousImages: ReadonlySet<string>;
  /** The images of the object's owners (automatic child approval), looked up once per admission, when first needed. */
  parentImages: () => Promise<ReadonlySet<string>>;
}

interface OutcomeBase {
  /** The image as written. */
  raw: string;
  /** Validator type, or "unknown" before a validator was resolved (metric label). */
  type: string;
  validatorName: string;
  pattern?: string;
  /** Decided without asking the validator service (metrics, logs, the alert result `skip`). */
  skipped?: SkipReason;
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

/** A validator's answer as every sharer of one cache key reads it, or why there is none. */
type Answer = { verdict: VerdictResult; cached: boolean } | { error: string };

/**
 * The per-image pipeline (ARCHITECTURE.md "Admission flow" step 4): parse → rule → validator →
 * static validators decide at once (never skipped, never cached) → automatic unchanged approval →
 * automatic child approval → cache → validator service over gRPC → cache store. Concurrent
 * validations of one cache key share one lookup and one call. It never throws: every error becomes
 * a denial that names the image (and the validator, when one was resolved).
 */
@Injectable()
export class ImageValidationService {
  private readonly matcher: PolicyMatcher<PolicyRule>;
  private readonly configVersion: string;
  private readonly unchangedApproval: boolean;
  private readonly answers = new SingleFlight<Answer>();

  constructor(
    @Inject(MESH_CONFIG) config: LoadedConfig,
    private readonly validators: ValidatorRegistry,
    private readonly cache: VerdictCache,
    private readonly parents: ParentImagesService,
    private readonly metrics: ManagementMetrics,
  ) {
    this.matcher = new PolicyMatcher(config.config.policy, config.config.policyMatching);
    this.configVersion = config.version;
    this.unchangedApproval = config.config.features.automaticUnchangedApproval;
  }

  /** The validator the policy sends an image to (for messages), if any. */
  validatorFor(raw: string): string | undefined {
    const image = ImageReference.tryParse(raw);
    return image && this.matcher.match(image)?.rule.validator;
  }

  async validate(raw: string, context: ValidationContext): Promise<ImageOutcome> {
    const outcome = await this.decide(raw, context);
    const labels = { type: outcome.type, validator_name: outcome.validatorName };
    this.metrics.validations.inc({ ...labels, result: outcome.allowed ? 'success' : 'error' });
    if (outcome.skipped) this.metrics.skipped.inc({ ...labels, reason: outcome.skipped });
    return outcome;
  }

  private async decide(raw: string, context: ValidationContext): Promise<ImageOutcome> {
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
    const admitted = (newName: string, skipped?: SkipReason): Admitted => ({ ...base, allowed: true, oldName: name, newName, mode, skipped });

    // Static validators decide at once; they are never skipped and never cached.
    if (entry.config.type === 'static') {
      return entry.config.approve ? admitted(name) : denied(base, `static deny for image ${raw} using rule ${rule.pattern}`);
    }
    // After an unchanged or child skip the image keeps its own digest (if any): no patch.
    if (this.unchangedApproval && context.previousImages.has(raw)) return admitted(name, 'unchanged');
    if (this.parents.enabled && (await context.parentImages()).has(raw)) return admitted(name, 'child');

    const failure = (reason: string, skipped?: SkipReason) =>
      denied({ ...base, skipped }, `error during ${entry.config.type} validation of image ${raw}: ${reason}`);
    const client = entry.client;
    if (!client) return failure(`validator "${entry.config.name}" has no service`);
    const key = cacheKey({ configVersion: this.configVersion, ruleIndex: match.index, pattern: rule.pattern, validatorName: entry.config.name, image: raw });
    let answer: Answer;
    try {
      answer = await this.answers.run(key, () => this.answer(key, image, { ...entry, client }, rule, context));
    } catch (e) {
      return failure(`validator "${entry.config.name}" failed: ${(e as Error).message}`);
    }
    if ('error' in answer) return failure(answer.error);
    const skipped = answer.cached ? 'cache_hit' : undefined;
    if (!answer.verdict.verified) return failure(answer.verdict.reason, skipped);
    return admitted(image.withDigest(answer.verdict.digest).name(), skipped);
  }

  /** The cached answer, else the validator's (which goes into the cache). */
  private async answer(key: string, image: ImageReference, entry: Required<ValidatorEntry>, rule: PolicyRule, context: ValidationContext): Promise<Answer> {
    const cached = await this.cache.get(key);
    if (cached) return { verdict: interpretResponse(cached, image), cached: true };
    let response: validatorV1.ValidateImageResponse;
    const started = performance.now();
    try {
      // The admission's own timer decides a timeout; the call's deadline only bounds the call.
      const deadline = new Date(context.deadline.getTime() + CALL_DEADLINE_GRACE_MS);
      response = await entry.client.validateImage(buildRequest(image, entry.config, rule, context), deadline);
    } catch (e) {
      this.observeCall(entry.config.type, e instanceof ValidatorCallError ? (status[e.code] ?? String(e.code)) : 'UNKNOWN', started);
      return { error: describeCallError(e, entry.config.name, entry.client.address) };
    }
    this.observeCall(entry.config.type, 'OK', started);
    const verdict = interpretResponse(response, image);
    // Verified answers, and rejections (if cacheErrors); never malformed answers or RPC errors.
    if (verdict.verified || response.verdict === validatorV1.Verdict.VERDICT_REJECTED) {
      void this.cache.set(key, { verdict: response.verdict, digest: response.digest, reason: response.reason });
    }
    return { verdict, cached: false };
  }

  private observeCall(type: string, code: string, started: number) {
    this.metrics.validatorCallDuration.observe({ type, code }, (performance.now() - started) / 1000);
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
