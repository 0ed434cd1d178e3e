import type { OwnerReference } from '../admission/workload';
import { ApiResource, ObjectPath, objectPath } from '../kubernetes/kubernetes-api';
import { isKubernetesUid } from '../kubernetes/kubernetes-names';

/**
 * The kinds that own pods or pod controllers, each with the one apiVersion accepted for it and its
 * resource. An owner reference is entirely the admitted object's author's to write (the API server
 * only checks that its fields are not empty, and only after admission), so the kind decides
 * everything: the request path is made of these constants and the checked namespace and name.
 */
const OWNER_KINDS: ReadonlyMap<string, ApiResource> = new Map([
  ['ReplicaSet', { apiVersion: 'apps/v1', resource: 'replicasets' }],
  ['Deployment', { apiVersion: 'apps/v1', resource: 'deployments' }],
  ['DaemonSet', { apiVersion: 'apps/v1', resource: 'daemonsets' }],
  ['StatefulSet', { apiVersion: 'apps/v1', resource: 'statefulsets' }],
  ['Job', { apiVersion: 'batch/v1', resource: 'jobs' }],
  ['CronJob', { apiVersion: 'batch/v1', resource: 'cronjobs' }],
  ['ReplicationController', { apiVersion: 'v1', resource: 'replicationcontrollers' }],
]);

/** An owner worth looking up: the object a reference names, and the path it is read from. */
export interface Owner {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  path: ObjectPath;
}

/**
 * The owner `reference` names in `namespace` (the request's: an owner reference has no namespace,
 * the owner is in its dependent's), or why it gives no child approval.
 */
export function ownerToLookUp(reference: OwnerReference, namespace: string): Owner | { unusable: string } {
  const resource = OWNER_KINDS.get(reference.kind);
  if (!resource) return { unusable: 'not a kind that owns pods or pod controllers' };
  if (reference.apiVersion !== resource.apiVersion) return { unusable: `the apiVersion of a ${reference.kind} must be ${resource.apiVersion}` };
  if (!isKubernetesUid(reference.uid)) return { unusable: 'the uid is not a Kubernetes UID' };
  let path: ObjectPath;
  try {
    path = objectPath(resource, namespace, reference.name);
  } catch (e) {
    return { unusable: (e as Error).message };
  }
  return { apiVersion: resource.apiVersion, kind: reference.kind, namespace, name: reference.name, uid: reference.uid, path };
}

/** The first identifying field in which `object` is not the owner asked for; undefined when it is that owner. */
export function differenceFrom(owner: Owner, object: unknown): string | undefined {
  const top: Record<string, unknown> = isObject(object) ? object : {};
  const metadata: Record<string, unknown> = isObject(top.metadata) ? top.metadata : {};
  const fields: Array<[field: string, found: unknown, wanted: string]> = [
    ['apiVersion', top.apiVersion, owner.apiVersion],
    ['kind', top.kind, owner.kind],
    ['metadata.namespace', metadata.namespace, owner.namespace],
    ['metadata.name', metadata.name, owner.name],
    ['metadata.uid', metadata.uid, owner.uid],
  ];
  return fields.find(([, found, wanted]) => found !== wanted)?.[0];
}

/** An attacker's string, short enough for a log line. */
export function shown(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
