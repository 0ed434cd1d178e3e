import { Inject, Injectable } from '@nestjs/common';
import { LoadedConfig } from '@connaisseur-mesh/config';
import { Logger, LOGGER, MESH_CONFIG } from '@connaisseur-mesh/observability';
import { decodeWorkload, OwnerReference } from '../admission/workload';
import { MANAGEMENT_ENV, ManagementEnv } from '../config/management.env';
import { KubernetesApi, KubernetesApiError } from '../kubernetes/kubernetes-api';
import { differenceFrom, Owner, ownerToLookUp, shown } from './owner-reference';

/** All owner look-ups of one admission together may take this long; then the images are validated as usual. */
const LOOKUP_TIMEOUT_MS = 2_000;
/** Owner references looked at per admission: a real object has one or two; the rest of a longer list is ignored. */
export const MAX_OWNER_REFERENCES = 8;

/**
 * Automatic child approval (reference §5.6): the images of the objects that own the one being
 * admitted. An image whose string equals one of them was admitted with the owner (which was
 * mutated to the pinned digest, so its children carry the identical string). Any doubt — the API
 * answers an error, the object answered is not the one referenced, the reference is not one of a
 * pod's or pod controller's owner (owner-reference.ts) — leaves the owner out, and the images are
 * validated as usual.
 */
@Injectable()
export class ParentImagesService {
  /** Child approval is on in the config, with resourceValidationMode all, and an API server to ask. */
  readonly enabled: boolean;
  private readonly api?: KubernetesApi;
  /** At most half the admission's budget, so that validating the images after a slow API server still fits in it. */
  private readonly lookupTimeoutMs: number;

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
    this.lookupTimeoutMs = Math.min(LOOKUP_TIMEOUT_MS, (config.config.admission.timeoutSeconds * 1000) / 2);
  }

  /** Every image (containers and image volumes) of the owners that check out; never rejects. */
  async imagesOf(namespace: string, references: readonly OwnerReference[]): Promise<ReadonlySet<string>> {
    const api = this.api;
    if (!api) return new Set();
    if (references.length > MAX_OWNER_REFERENCES) {
      this.logger.info(
        { namespace: shown(namespace), ownerReferences: references.length },
        `child approval: only the first ${MAX_OWNER_REFERENCES} owner references are looked up`,
      );
    }
    const owners = new Map<string, Owner>();
    for (const reference of references.slice(0, MAX_OWNER_REFERENCES)) {
      const owner = ownerToLookUp(reference, namespace);
      if ('unusable' in owner) {
        const named = { owner: `${shown(reference.kind)}/${shown(reference.name)}`, apiVersion: shown(reference.apiVersion), namespace: shown(namespace) };
        this.logger.info({ ...named, why: owner.unusable }, 'child approval: owner reference not usable; validating');
        continue;
      }
      // An owner named twice is read once.
      owners.set(`${owner.path} ${owner.uid}`, owner);
    }
    if (owners.size === 0) return new Set();
    // One deadline for all owners: however many there are, the admission waits at most this long.
    const signal = AbortSignal.timeout(this.lookupTimeoutMs);
    const lists = await Promise.all([...owners.values()].map((owner) => this.imagesOfOwner(api, owner, signal)));
    return new Set(lists.flat());
  }

  private async imagesOfOwner(api: KubernetesApi, owner: Owner, signal: AbortSignal): Promise<string[]> {
    const named = { owner: `${owner.kind}/${owner.name}`, namespace: owner.namespace };
    try {
      const parent = await api.get(owner.path, signal);
      const difference = differenceFrom(owner, parent);
      if (difference) {
        this.logger.warn({ ...named, field: difference }, 'child approval: the object found is not the owner referenced; validating');
        return [];
      }
      return decodeWorkload(owner.kind, parent).images.map((i) => i.image);
    } catch (e) {
      const level = e instanceof KubernetesApiError && e.status === 404 ? 'info' : 'warn';
      this.logger[level]({ ...named, err: (e as Error).message }, 'child approval: owner not usable; validating');
      return [];
    }
  }
}
