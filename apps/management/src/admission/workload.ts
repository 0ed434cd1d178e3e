/**
 * The workload kinds Connaisseur validates and where their containers are (reference §5.2).
 * Group and version are ignored, as in Connaisseur; unknown fields are ignored.
 */

const TEMPLATE = ['spec', 'template', 'spec'];
const POD_SPEC_PATH: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: TEMPLATE,
  ReplicaSet: TEMPLATE,
  DaemonSet: TEMPLATE,
  StatefulSet: TEMPLATE,
  Job: TEMPLATE,
  ReplicationController: TEMPLATE,
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Spec order: the order in which images are reported and the first failure is chosen. */
const CONTAINER_TYPES = ['containers', 'initContainers', 'ephemeralContainers'] as const;

export interface ContainerImage {
  /** The image string exactly as written. */
  image: string;
  /** JSON Pointer of the image field, for the patch. */
  path: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface Workload {
  kind: string;
  name: string;
  /** Marked for deletion (metadata.deletionTimestamp set). */
  deleted: boolean;
  ownerReferences: OwnerReference[];
  /** Every container, in spec order. */
  containers: ContainerImage[];
}

export class WorkloadError extends Error {}

export function isWorkloadKind(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATH, kind);
}

export function decodeWorkload(kind: string, object: unknown): Workload {
  const specPath = Object.hasOwn(POD_SPEC_PATH, kind) ? POD_SPEC_PATH[kind] : undefined;
  if (!specPath) throw new WorkloadError(`unknown workload kind "${kind}"`);
  if (!isObject(object)) throw new WorkloadError('the object is not a JSON object');

  let spec: unknown = object;
  for (const key of specPath) spec = isObject(spec) ? spec[key] : undefined;

  const containers: ContainerImage[] = [];
  if (isObject(spec)) {
    for (const type of CONTAINER_TYPES) {
      const list = spec[type];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new WorkloadError(`${[...specPath, type].join('.')} is not a list`);
      list.forEach((container: unknown, index) => {
        // A container without a string image gets "", which no reference parser accepts: denied.
        const image = isObject(container) && typeof container.image === 'string' ? container.image : '';
        containers.push({ image, path: `/${[...specPath, type, index, 'image'].join('/')}` });
      });
    }
  }
  if (containers.length === 0) throw new WorkloadError('no containers found in workload object');

  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name ? metadata.name : typeof metadata.generateName === 'string' ? metadata.generateName : '';
  return {
    kind,
    name,
    deleted: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    ownerReferences: Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isOwnerReference) : [],
    containers,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOwnerReference(value: unknown): value is OwnerReference {
  return (
    isObject(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.name === 'string' &&
    typeof value.uid === 'string'
  );
}
