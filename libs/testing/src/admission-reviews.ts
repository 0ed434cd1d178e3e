import { randomUUID } from 'node:crypto';

export interface ReviewOptions {
  kind?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  namespace?: string;
  name?: string;
  uid?: string;
  images?: string[];
  initImages?: string[];
  ephemeralImages?: string[];
  /** Image volumes (`spec.volumes[].image.reference`, Kubernetes' ImageVolumeSource). */
  volumeImages?: string[];
  /** metadata.deletionTimestamp (marked for deletion). */
  deletionTimestamp?: string;
  /** UPDATE: the images of the old object. */
  oldImages?: string[];
  /** UPDATE: the old object as given, instead of one built from the options (`null`, as subresource updates may send). */
  oldObject?: Record<string, unknown> | null;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }>;
}

const TEMPLATE_KINDS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'ReplicationController']);

/** A workload object of `kind` with the given images, shaped as the API server sends it. */
export function workloadObject(kind: string, o: Omit<ReviewOptions, 'kind'> & { images?: string[] } = {}): Record<string, unknown> {
  const container = (image: string, i: number) => ({ name: `c${i}`, image });
  const podSpec: Record<string, unknown> = { containers: (o.images ?? []).map(container) };
  if (o.initImages) podSpec.initContainers = o.initImages.map(container);
  if (o.ephemeralImages) podSpec.ephemeralContainers = o.ephemeralImages.map(container);
  if (o.volumeImages) podSpec.volumes = o.volumeImages.map((reference, i) => ({ name: `v${i}`, image: { reference, pullPolicy: 'IfNotPresent' } }));
  const metadata = {
    name: o.name ?? 'test',
    namespace: o.namespace ?? 'default',
    ownerReferences: o.ownerReferences,
    deletionTimestamp: o.deletionTimestamp,
  };
  const template = { metadata: {}, spec: podSpec };
  const spec =
    kind === 'Pod' ? podSpec : kind === 'CronJob' ? { schedule: '* * * * *', jobTemplate: { spec: { template } } } : TEMPLATE_KINDS.has(kind) ? { template } : {};
  return { apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, metadata, spec };
}

/** An AdmissionReview (admission.k8s.io/v1) like the API server posts to the webhook. */
export function admissionReview(o: ReviewOptions = {}) {
  const kind = o.kind ?? 'Pod';
  const operation = o.operation ?? 'CREATE';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? randomUUID(),
      kind: { group: kind === 'Pod' ? '' : 'apps', version: 'v1', kind },
      resource: { group: '', version: 'v1', resource: `${kind.toLowerCase()}s` },
      name: o.name ?? 'test',
      namespace: o.namespace ?? 'default',
      operation,
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters'] },
      object: workloadObject(kind, o),
      oldObject: operation !== 'UPDATE' ? null : o.oldObject !== undefined ? o.oldObject : workloadObject(kind, { ...o, images: o.oldImages ?? o.images }),
      dryRun: false,
    },
  };
}
