import { Inject, Injectable } from '@nestjs/common';
import { LoadedConfig } from '@connaisseur-mesh/config';
import { Logger, LOGGER, MESH_CONFIG } from '@connaisseur-mesh/observability';
import { decodeWorkload, isWorkloadKind, OwnerReference } from '../admission/workload';
import { MANAGEMENT_ENV, ManagementEnv } from '../config/management.env';
import { KubernetesApi, KubernetesApiError } from '../kubernetes/kubernetes-api';

/** One owner look-up may take this long; on expiry the images are validated as usual. */
const LOOKUP_TIMEOUT_MS = 2_000;

/**
 * Automatic child approval (reference §5.6): the images of the objects that own the one being
 * admitted. An image whose string equals one of them was admitted with the owner (which was
 * mutated to the pinned digest, so its children carry the identical string). Any doubt — the API
 * answers an error, the owner's UID differs, the owner is not a workload — leaves the owner out,
 * and its images are validated as usual.
 */
@Injectable()
export class ParentImagesService {
  /** Child approval is on in the config, with resourceValidationMode all, and an API server to ask. */
  readonly enabled: boolean;
  private readonly api?: KubernetesApi;

  constructor(
    @Inject(MESH_CONFIG) config: LoadedConfig,
    @Inject(MANAGEMENT_ENV) env: ManagementEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const features = config.config.features;
    if (features.automaticChildApproval && features.resourceValidationMode !== 'all') {
      logger.warn('automaticChildApproval is off with resourceValidationMode podsOnly');
    }
    const wanted = features.automaticChildApproval && features.resourceValidationMode === 'all';
    if (wanted) {
      try {
        this.api = KubernetesApi.fromEnv(env.kubernetes);
        if (!this.api) logger.warn('automaticChildApproval: no Kubernetes API (not in a cluster, KUBECONFIG unset): every image is validated');
      } catch (e) {
        logger.warn({ err: (e as Error).message }, 'automaticChildApproval: cannot use the Kubernetes API: every image is validated');
      }
    }
    this.enabled = this.api !== undefined;
  }

  /** Every container image of the owners that check out; never rejects. */
  async imagesOf(namespace: string, owners: readonly OwnerReference[]): Promise<ReadonlySet<string>> {
    const api = this.api;
    if (!api) return new Set();
    const lists = await Promise.all(
      owners.map(async (owner) => {
        // Not a workload (a CRD such as an Argo Rollout): its images could not be read anyway.
        if (!isWorkloadKind(owner.kind)) return [];
        try {
          const parent = await api.getNamespaced(owner.apiVersion, owner.kind, namespace, owner.name, LOOKUP_TIMEOUT_MS);
          const uid = (parent as { metadata?: { uid?: unknown } } | null)?.metadata?.uid;
          if (uid !== owner.uid) {
            this.logger.info({ owner: `${owner.kind}/${owner.name}`, namespace }, 'child approval: owner UID does not match; validating');
            return [];
          }
          return decodeWorkload(owner.kind, parent).images.map((i) => i.image);
        } catch (e) {
          const level = e instanceof KubernetesApiError && e.status === 404 ? 'info' : 'warn';
          this.logger[level]({ owner: `${owner.kind}/${owner.name}`, namespace, err: (e as Error).message }, 'child approval: owner not usable; validating');
          return [];
        }
      }),
    );
    return new Set(lists.flat());
  }
}
