import { Counter, Histogram, Registry } from 'prom-client';
import type { UpstreamKind } from '@connaisseur-mesh/registry-client';

export type VerificationOutcome = 'verified' | 'rejected' | 'error';

/** The validator rows of ARCHITECTURE.md's metrics table; label values are bounded (no images). */
export class ValidatorMetrics {
  private readonly verifications: Counter<'validator_name' | 'verdict'>;
  private readonly duration: Histogram<'validator_name'>;
  private readonly upstream: Counter<'kind' | 'code'>;

  constructor(registry: Registry) {
    this.verifications = new Counter({
      name: 'connaisseur_mesh_verifications_total',
      help: 'Image verifications by validator and outcome (verified, rejected, error).',
      labelNames: ['validator_name', 'verdict'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'connaisseur_mesh_verification_duration_seconds',
      help: 'Time to verify one image, registry round trips included.',
      labelNames: ['validator_name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.upstream = new Counter({
      name: 'connaisseur_mesh_upstream_requests_total',
      help: 'Requests to registries, notaries and token services, by kind and HTTP status ("error": no answer).',
      labelNames: ['kind', 'code'],
      registers: [registry],
    });
  }

  verification(validatorName: string, outcome: VerificationOutcome, seconds: number) {
    this.verifications.inc({ validator_name: validatorName, verdict: outcome });
    this.duration.observe({ validator_name: validatorName }, seconds);
  }

  upstreamRequest(kind: UpstreamKind | 'tuf', code: string) {
    this.upstream.inc({ kind, code });
  }
}
