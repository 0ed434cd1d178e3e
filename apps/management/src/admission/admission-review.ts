/**
 * AdmissionReview (admission.k8s.io/v1, and v1beta1 which has the same shape). Only the fields
 * management reads are typed; the objects stay `unknown` until a workload decoder checks them.
 */
export interface AdmissionReview {
  apiVersion?: unknown;
  kind?: unknown;
  request: AdmissionRequest;
}

export interface AdmissionRequest {
  uid?: unknown;
  kind?: { group?: unknown; version?: unknown; kind?: unknown } | null;
  name?: unknown;
  namespace?: unknown;
  operation?: unknown;
  userInfo?: { username?: unknown } | null;
  object?: unknown;
  oldObject?: unknown;
}

export interface JsonPatchOperation {
  op: 'replace';
  path: string;
  value: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  patch?: string;
  patchType?: 'JSONPatch';
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: unknown;
  kind: unknown;
  response: AdmissionResponse;
}

/** A request body that is not an AdmissionReview: answered with HTTP 400 and this message. */
export class BadAdmissionRequest extends Error {}

/** Checks the envelope; the object inside is checked by the workload decoder. */
export function toAdmissionReview(body: unknown): AdmissionReview {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadAdmissionRequest('received empty admission request');
  }
  const request = (body as { request?: unknown }).request;
  if (typeof request !== 'object' || request === null || Array.isArray(request) || Object.keys(request).length === 0) {
    throw new BadAdmissionRequest('received empty admission request');
  }
  return body as AdmissionReview;
}

export const asString = (value: unknown): string => (typeof value === 'string' ? value : '');
