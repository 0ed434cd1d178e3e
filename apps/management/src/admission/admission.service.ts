import { Inject, Injectable } from '@nestjs/common';
import { LoadedConfig } from '@connaisseur-mesh/config';
import { Logger, LOGGER, MESH_CONFIG } from '@connaisseur-mesh/observability';
import { AlertsService } from '../alerting/alerts.service';
import { ParentImagesService } from '../approval/parent-images.service';
import { ManagementMetrics } from '../metrics/management-metrics';
import { ImageOutcome, ImageValidationService, ValidationContext } from '../validation/image-validation.service';
import { AdmissionRequest, AdmissionResponse, AdmissionReview, AdmissionReviewResponse, asString, JsonPatchOperation } from './admission-review';
import { decodeWorkload, ImageSource, PodImage, Workload, WorkloadError } from './workload';

/** Connaisseur's notification results (reference §7.2): what alerts and logs report. */
export type DecisionResult = 'success' | 'skip' | 'error' | 'timeout' | 'invalid';

/** The raw decision, before the podsOnly and detection-mode overrides. */
export interface Decision {
  allowed: boolean;
  result: DecisionResult;
  message?: string;
  patch: JsonPatchOperation[];
  /** Every distinct image string of the request (image volumes included), as written, in spec order (for alerts and logs). */
  images: string[];
  outcomes: ImageOutcome[];
  workload?: Workload;
}

/** Which override admits the request although the raw decision may deny it (reference §5.1 step 7). */
interface Overrides {
  /** podsOnly and not a Pod: admitted, without a patch. */
  podsOnly: boolean;
  /** Detection mode admits this denial. */
  detectionMode: boolean;
}

/**
 * One AdmissionReview in, one decision out (ARCHITECTURE.md "Admission flow"). Decoding errors,
 * failed images and timeouts all deny; the first failing image in spec order gives the message.
 */
@Injectable()
export class AdmissionService {
  private readonly timeoutMs: number;

  constructor(
    @Inject(MESH_CONFIG) private readonly loaded: LoadedConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly images: ImageValidationService,
    private readonly parents: ParentImagesService,
    private readonly metrics: ManagementMetrics,
    private readonly alerts: AlertsService,
  ) {
    this.timeoutMs = loaded.config.admission.timeoutSeconds * 1000;
  }

  async review(review: AdmissionReview): Promise<AdmissionReviewResponse> {
    try {
      return await this.decideAndAnswer(review);
    } catch (e) {
      // A fault in management itself: deny (also in detection mode) rather than let the API server
      // see an HTTP error, which it would admit under failurePolicy: Ignore.
      const uid = asString(review.request.uid);
      const message = `management could not decide on request ${uid}: internal error (${(e as Error).message}); denied`;
      this.logger.error({ uid, err: (e as Error).stack }, message);
      return this.undecided({ apiVersion: review.apiVersion, kind: review.kind, uid }, 500, message);
    }
  }

  /**
   * A denial without a decision (management failed, or the body was over a limit), with `code`
   * as its status code: counted like every denial, never alerted (a flood of them must not become
   * a flood of alerts).
   */
  undecided(envelope: { apiVersion?: unknown; kind?: unknown; uid: string }, code: number, message: string): AdmissionReviewResponse {
    this.metrics.denied.inc({ timeout: 'false' });
    return { apiVersion: envelope.apiVersion, kind: envelope.kind, response: { uid: envelope.uid, allowed: false, status: { code, message } } };
  }

  private async decideAndAnswer(review: AdmissionReview): Promise<AdmissionReviewResponse> {
    const started = performance.now();
    const request = review.request;
    const uid = asString(request.uid);
    const deadline = Date.now() + this.timeoutMs;
    const decision = await this.decide(request, uid);
    const overrides = this.overrides(request, decision);
    const kind = asString(request.kind?.kind);
    const namespace = asString(request.namespace);
    const name = decision.workload?.name ?? asString(request.name);
    const sources = sourcesByImage(decision.workload?.images ?? []);
    // Alerts report the raw decision, before the overrides (ARCHITECTURE.md "Admission flow" 6–7).
    const alertFailure = await this.alerts.send({
      allowed: decision.allowed,
      result: decision.result,
      message: decision.message,
      images: decision.images,
      requestUid: uid,
      kind,
      namespace,
      name,
      user: asString(request.userInfo?.username),
      detectionModeOverride: overrides.detectionMode,
      podsOnlyOverride: overrides.podsOnly && !decision.allowed,
      deadline,
    });
    const response = alertFailure ? this.alertDenial(uid, decision, alertFailure) : this.applyOverrides(uid, decision, overrides);
    const seconds = (performance.now() - started) / 1000;
    if (response.allowed) this.metrics.admitted.inc();
    else this.metrics.denied.inc({ timeout: String(decision.result === 'timeout') });
    this.metrics.admissionDuration.observe({ result: decision.result }, seconds);
    this.logger.info(
      {
        uid,
        kind,
        namespace,
        name,
        images: decision.images,
        result: decision.result,
        allowed: response.allowed,
        message: decision.message,
        ...(alertFailure ? { alertFailure } : {}),
        validations: decision.outcomes.map((o) => ({
          image: o.raw,
          sources: sources.get(o.raw),
          rule: o.pattern,
          validator: o.validatorName,
          allowed: o.allowed,
          skipped: o.skipped,
        })),
        durationMs: Math.round(seconds * 100_000) / 100,
      },
      'admission decision',
    );
    return { apiVersion: review.apiVersion, kind: review.kind, response };
  }

  /** The raw decision: what alerts report. */
  async decide(request: AdmissionRequest, uid: string): Promise<Decision> {
    const kind = asString(request.kind?.kind);
    let workload: Workload;
    let old: Workload | undefined;
    try {
      workload = decode('new', kind, request.object);
      // An UPDATE of a subresource (pods/ephemeralcontainers) may carry oldObject: null: then there is no old object.
      const oldObject = request.operation === 'UPDATE' ? request.oldObject : undefined;
      if (oldObject !== undefined && oldObject !== null) old = decode('old', kind, oldObject);
    } catch (e) {
      return { allowed: false, result: 'invalid', message: (e as Error).message, patch: [], images: [], outcomes: [] };
    }
    const images = distinctImages(workload.images);
    const previousImages = new Set(old?.images.map((i) => i.image));
    // Deletion short cut: an object already marked for deletion may be updated (to remove finalizers), but
    // only without bringing an image string it did not have; a Pod or Job kept alive by a finalizer still runs.
    if (old?.deleted && images.every((image) => previousImages.has(image))) {
      return { allowed: true, result: 'success', patch: [], images, outcomes: [], workload };
    }

    const deadline = new Date(Date.now() + this.timeoutMs);
    const namespace = asString(request.namespace);
    let parentImages: Promise<ReadonlySet<string>> | undefined;
    const context: ValidationContext = {
      requestUid: uid,
      namespace,
      deadline,
      previousImages,
      // Once per admission, and only if an image gets as far as child approval.
      parentImages: () => (parentImages ??= this.parents.imagesOf(namespace, workload.ownerReferences)),
    };
    const pending = images.map((image) => this.images.validate(image, context));
    // Images after the first failure are not awaited: a fault of theirs must not go unhandled.
    for (const p of pending) p.catch(() => undefined);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcomes: ImageOutcome[] = [];
    try {
      // In spec order, so that the first failing image in the spec decides, whatever finished first.
      for (const next of pending) {
        const outcome = await Promise.race([next, timedOut]);
        if (outcome === 'timeout') {
          const waitingFor = images[outcomes.length];
          const validator = this.images.validatorFor(waitingFor);
          const message =
            `validation of admission request ${uid} timed out after validating ${outcomes.length}/${images.length} images` +
            ` (waiting for image ${waitingFor}${validator ? ` with validator "${validator}"` : ''})`;
          return { allowed: false, result: 'timeout', message, patch: [], images, outcomes, workload };
        }
        outcomes.push(outcome);
        if (!outcome.allowed) {
          return { allowed: false, result: 'error', message: outcome.message, patch: [], images, outcomes, workload };
        }
      }
    } finally {
      clearTimeout(timer);
    }
    // Connaisseur's notification result: `skip` when no image needed a validation.
    const result = outcomes.every((o) => o.skipped) ? 'skip' : 'success';
    return { allowed: true, result, patch: buildPatch(workload.images, outcomes), images, outcomes, workload };
  }

  private overrides(request: AdmissionRequest, decision: Decision): Overrides {
    const features = this.loaded.config.features;
    const podsOnly = features.resourceValidationMode === 'podsOnly' && asString(request.kind?.kind) !== 'Pod';
    return { podsOnly, detectionMode: features.detectionMode && !decision.allowed && !podsOnly };
  }

  /** podsOnly and detection mode turn a denial into an admission with warnings (after alerts). */
  private applyOverrides(uid: string, decision: Decision, overrides: Overrides): AdmissionResponse {
    const response: AdmissionResponse = { uid, allowed: decision.allowed };
    if (!decision.allowed) response.status = { code: 403, message: decision.message ?? 'denied' };
    if (decision.patch.length > 0) {
      response.patch = Buffer.from(JSON.stringify(decision.patch)).toString('base64');
      response.patchType = 'JSONPatch';
    }
    if (overrides.podsOnly) {
      if (!response.allowed) response.warnings = ['pod-only validation active', response.status!.message];
      response.allowed = true;
      delete response.patch;
      delete response.patchType;
    }
    if (overrides.detectionMode) {
      response.warnings = ['detection mode active', response.status!.message];
      response.allowed = true;
    }
    return response;
  }

  /**
   * A receiver with failIfAlertSendingFails was not notified: deny, also in detection mode and
   * podsOnly (Connaisseur's documented intent), keeping the original reason of a denial.
   */
  private alertDenial(uid: string, decision: Decision, failure: string): AdmissionResponse {
    const message = decision.allowed ? failure : `${decision.message}; ${failure}`;
    return { uid, allowed: false, status: { code: 403, message } };
  }
}

function decode(which: 'new' | 'old', kind: string, object: unknown): Workload {
  try {
    return decodeWorkload(kind, object);
  } catch (e) {
    if (e instanceof WorkloadError) throw new WorkloadError(`error decoding ${which} workload object: ${e.message}`);
    throw e;
  }
}

/** Each distinct image string once, in spec order (different spellings are different images). */
function distinctImages(images: PodImage[]): string[] {
  return [...sourcesByImage(images).keys()];
}

/** Where each distinct image string is used (for logs), in spec order. */
function sourcesByImage(images: PodImage[]): Map<string, ImageSource[]> {
  const sources = new Map<string, ImageSource[]>();
  for (const { image, source } of images) {
    const list = sources.get(image);
    if (!list) sources.set(image, [source]);
    else if (!list.includes(source)) list.push(source);
  }
  return sources;
}

/** Pins every admitted image whose name changes, in rules with mode `mutate`, at every place it is used. */
function buildPatch(images: PodImage[], outcomes: ImageOutcome[]): JsonPatchOperation[] {
  const pinned = new Map<string, string>();
  for (const o of outcomes) {
    if (o.allowed && o.mode === 'mutate' && o.newName !== o.oldName) pinned.set(o.raw, o.newName);
  }
  return images.filter((i) => pinned.has(i.image)).map((i) => ({ op: 'replace', path: i.path, value: pinned.get(i.image)! }));
}
