import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@connaisseur-mesh/observability';

export type SkipReason = 'unchanged' | 'child' | 'cache_hit';
export type CacheOutcome = 'hit' | 'miss' | 'error' | 'ok';

/** Seconds: from a cache hit (well under a millisecond) to a validation near the admission budget. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Management's rows of ARCHITECTURE.md's metrics table (docs/metrics.md), on the app's registry.
 * Label values are validator types and names from the configuration and fixed words; never an
 * image, a digest or free text.
 */
@Injectable()
export class ManagementMetrics {
  readonly requests: Counter;
  readonly admitted: Counter;
  readonly denied: Counter<'timeout'>;
  readonly validations: Counter<'type' | 'validator_name' | 'result'>;
  readonly skipped: Counter<'type' | 'validator_name' | 'reason'>;
  readonly cacheOperations: Counter<'op' | 'outcome'>;
  readonly admissionDuration: Histogram<'result'>;
  readonly validatorCallDuration: Histogram<'type' | 'code'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'connaisseur_mesh_requests_total', help: 'Calls of /mutate (any method)', registers });
    this.admitted = new Counter({ name: 'connaisseur_mesh_requests_admitted_total', help: 'AdmissionReviews admitted (after detection mode and podsOnly)', registers });
    this.denied = new Counter({
      name: 'connaisseur_mesh_requests_denied_total',
      help: 'AdmissionReviews denied; timeout="true" when the admission budget ran out',
      labelNames: ['timeout'],
      registers,
    });
    this.validations = new Counter({
      name: 'connaisseur_mesh_validations_total',
      help: 'Image validations per distinct image of a request (result success includes skipped images)',
      labelNames: ['type', 'validator_name', 'result'],
      registers,
    });
    this.skipped = new Counter({
      name: 'connaisseur_mesh_validations_skipped_total',
      help: 'Image validations decided without the validator service (unchanged, child, cache_hit)',
      labelNames: ['type', 'validator_name', 'reason'],
      registers,
    });
    this.cacheOperations = new Counter({
      name: 'connaisseur_mesh_cache_operations_total',
      help: 'Cache reads (op="get": hit, miss, error) and writes (op="set": ok, error)',
      labelNames: ['op', 'outcome'],
      registers,
    });
    this.admissionDuration = new Histogram({
      name: 'connaisseur_mesh_admission_duration_seconds',
      help: 'Time to decide an AdmissionReview, by decision result (success, skip, error, timeout, invalid)',
      labelNames: ['result'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.validatorCallDuration = new Histogram({
      name: 'connaisseur_mesh_validator_call_duration_seconds',
      help: 'ValidateImage calls to validator services, by validator type and gRPC status ("OK" or the status name)',
      labelNames: ['type', 'code'],
      buckets: DURATION_BUCKETS,
      registers,
    });
  }
}
