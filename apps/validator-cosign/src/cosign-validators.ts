import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { CosignValidator, LoadedConfig, parsePublicKeyPem, secretsDir, TrustRoot } from '@connaisseur-mesh/config';
import { METRICS_REGISTRY, MESH_CONFIG } from '@connaisseur-mesh/observability';
import { CredentialStore, RegistryClient } from '@connaisseur-mesh/registry-client';
import { ValidatorMetrics } from '@connaisseur-mesh/validator-kit';
import type { Registry } from 'prom-client';
import { CosignTrustRoot, IdentityMatcher } from './signatures/verify-signature';
import { sigstoreAnchors, SigstoreAnchors } from './trust/trust-material';

/** One configured cosign validator, ready to verify: its trust roots, Sigstore anchors and registry client. */
export interface CosignValidatorRuntime {
  name: string;
  roots: CosignTrustRoot[];
  anchors: SigstoreAnchors;
  registry: RegistryClient;
}

/**
 * The `type: cosign` validators of the configuration, built once at start: keys parsed, secrets
 * read (a missing secret is a start-up error, not a surprise at the first admission).
 */
@Injectable()
export class CosignValidators implements OnModuleDestroy {
  readonly metrics: ValidatorMetrics;
  private readonly byName = new Map<string, CosignValidatorRuntime>();

  constructor(@Inject(MESH_CONFIG) config: LoadedConfig, @Inject(METRICS_REGISTRY) registry: Registry) {
    this.metrics = new ValidatorMetrics(registry);
    for (const validator of config.config.validators) {
      if (validator instanceof CosignValidator) this.byName.set(validator.name, this.build(validator));
    }
  }

  get(name: string): CosignValidatorRuntime | undefined {
    return this.byName.get(name);
  }

  private build(validator: CosignValidator): CosignValidatorRuntime {
    return {
      name: validator.name,
      roots: validator.trustRoots.map(toTrustRoot),
      anchors: sigstoreAnchors(validator.host),
      registry: new RegistryClient({
        credentials: validator.auth?.secretName ? CredentialStore.fromSecretDir(secretsDir(), validator.auth.secretName) : undefined,
        ca: validator.cert,
        onRequest: (kind, code) => this.metrics.upstreamRequest(kind, code),
      }),
    };
  }

  onModuleDestroy() {
    for (const validator of this.byName.values()) validator.registry.close();
  }
}

function toTrustRoot(root: TrustRoot): CosignTrustRoot {
  if (root.key !== undefined) return { name: root.name, kind: 'key', key: parsePublicKeyPem(root.key) };
  const keyless = root.keyless!;
  return {
    name: root.name,
    kind: 'keyless',
    issuer: matcher(keyless.issuer, keyless.issuerRegex),
    subject: matcher(keyless.subject, keyless.subjectRegex),
  };
}

function matcher(exact: string | undefined, regex: string | undefined): IdentityMatcher {
  return regex !== undefined ? { regex: new RegExp(regex) } : { exact: exact! };
}
