/**
 * The workload kinds Connaisseur validates and where their pod spec is (reference §5.2).
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

/** Where an image comes from in a pod spec (for logs). */
export type ImageSource = 'container' | 'initContainer' | 'ephemeralContainer' | 'imageVolume';

interface ImageField {
  source: ImageSource;
  /** The list in the pod spec. */
  list: string;
  /** The path from one entry of the list to its image string. */
  field: readonly string[];
  /** Only entries with this key are image sources (a volume is one only with `image`). */
  onlyWith?: string;
}

/**
 * Every place of a pod spec that names an image the kubelet pulls, in spec order: the order in
 * which images are reported and the first failure is chosen. Image volumes
 * (`volumes[].image.reference`, Kubernetes' ImageVolumeSource) mount OCI content into containers,
 * so they are validated like container images.
 */
const IMAGE_FIELDS: readonly ImageField[] = [
  { source: 'container', list: 'containers', field: ['image'] },
  { source: 'initContainer', list: 'initContainers', field: ['image'] },
  { source: 'ephemeralContainer', list: 'ephemeralContainers', field: ['image'] },
  { source: 'imageVolume', list: 'volumes', field: ['image', 'reference'], onlyWith: 'image' },
];

export interface PodImage {
  /** The image string exactly as written. */
  image: string;
  /** JSON Pointer of the image string, for the patch. */
  path: string;
  source: ImageSource;
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
  /** Every image source (containers, initContainers, ephemeralContainers, image volumes), in spec order. */
  images: PodImage[];
}

export class WorkloadError extends Error {}

export function decodeWorkload(kind: string, object: unknown): Workload {
  const specPath = Object.hasOwn(POD_SPEC_PATH, kind) ? POD_SPEC_PATH[kind] : undefined;
  if (!specPath) throw new WorkloadError(`unknown workload kind "${kind}"`);
  if (!isObject(object)) throw new WorkloadError('the object is not a JSON object');

  let spec: unknown = object;
  for (const key of specPath) spec = isObject(spec) ? spec[key] : undefined;

  const images: PodImage[] = [];
  if (isObject(spec)) {
    for (const { source, list: key, field, onlyWith } of IMAGE_FIELDS) {
      const list = spec[key];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new WorkloadError(`${[...specPath, key].join('.')} is not a list`);
      list.forEach((entry: unknown, index) => {
        const isSource = onlyWith === undefined || (isObject(entry) && entry[onlyWith] !== undefined && entry[onlyWith] !== null);
        if (!isSource) return;
        // A source without a string image gets "", which no reference parser accepts: denied.
        const value = field.reduce<unknown>((at, k) => (isObject(at) ? at[k] : undefined), entry);
        images.push({ image: typeof value === 'string' ? value : '', path: `/${[...specPath, key, index, ...field].join('/')}`, source });
      });
    }
  }
  // Image volumes alone run nothing: the object still has no containers.
  if (images.every((i) => i.source === 'imageVolume')) throw new WorkloadError('no containers found in workload object');

  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name ? metadata.name : typeof metadata.generateName === 'string' ? metadata.generateName : '';
  return {
    kind,
    name,
    deleted: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    ownerReferences: Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isOwnerReference) : [],
    images,
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
