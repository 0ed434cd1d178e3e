/**
 * The grammar of Kubernetes names (k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label,
 * IsDNS1123Subdomain). Hand-written: no maintained JavaScript library exports these checks, and
 * they are two regular expressions. ASCII only and anchored (JavaScript's `$` does not match before a
 * trailing newline), with the length checked first so that no long input reaches a pattern.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** `v1`, `v2beta1`, `v1alpha3`: Kubernetes' API version names. */
const API_VERSION = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;
/**
 * RFC 4122 text form, lowercase: what the API server writes into `metadata.uid` (it generates every
 * UID itself, with google/uuid; clients cannot choose one).
 */
const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A namespace name (and every other DNS-1123 label): at most 63 of `a-z0-9-`, alphanumeric at both ends. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** The name of a Deployment, ReplicaSet, Job …: DNS-1123 labels joined by dots, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** `v1` (the core group) or `<group>/<version>`, the group a DNS-1123 subdomain. */
export function isApiVersion(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return API_VERSION.test(value);
  return isDns1123Subdomain(value.slice(0, slash)) && API_VERSION.test(value.slice(slash + 1));
}

export function isKubernetesUid(value: string): boolean {
  return UID.test(value);
}
