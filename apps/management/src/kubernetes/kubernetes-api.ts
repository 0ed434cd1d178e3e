import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { JsonTooDeepError, parseJson } from '@connaisseur-mesh/json';
import type { KubernetesEnv } from '../config/management.env';
import { isApiVersion, isDns1123Label, isDns1123Subdomain } from './kubernetes-names';

/** Where a pod finds its service account (Kubernetes' fixed paths). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Bound service-account tokens are rotated by the kubelet; the file is read again after this. */
const TOKEN_REREAD_MS = 60_000;

export interface KubernetesApiSettings {
  /** https://host:port, maybe with a path (a kubeconfig may name a proxy) */
  server: string;
  /** PEM CA of the API server; the system roots when unset. */
  ca?: Buffer;
  token: () => string | undefined;
}

/** The largest answer read: the API server stores objects of at most 1.5 MiB (etcd's request limit). */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** An answer other than 200 from the API server. */
export class KubernetesApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

/** A namespaced resource type of the API: `{ apiVersion: 'apps/v1', resource: 'replicasets' }`. */
export interface ApiResource {
  apiVersion: string;
  /** The plural resource name of the URL path (what `kubectl api-resources` lists). */
  resource: string;
}

declare const objectPathBrand: unique symbol;
/** A request path built by `objectPath`, from parts that passed the Kubernetes grammar. */
export type ObjectPath = string & { readonly [objectPathBrand]: true };

/**
 * `/apis/<group>/<version>/namespaces/<namespace>/<resource>/<name>` (`/api/v1/…` for the core
 * group). Every part must be in the Kubernetes grammar, so nothing in the path can start a query or
 * fragment, add or remove a segment (`/`, `\`, `..`, percent escapes) or be rewritten by URL
 * parsing; the namespace and name are percent-encoded on top, which then changes nothing.
 */
export function objectPath(resource: ApiResource, namespace: string, name: string): ObjectPath {
  if (!isApiVersion(resource.apiVersion)) throw new TypeError(`not a Kubernetes API version: ${JSON.stringify(resource.apiVersion)}`);
  if (!isDns1123Label(resource.resource)) throw new TypeError(`not a Kubernetes resource name: ${JSON.stringify(resource.resource)}`);
  if (!isDns1123Label(namespace)) throw new TypeError('the namespace is not a DNS-1123 label');
  if (!isDns1123Subdomain(name)) throw new TypeError('the name is not a DNS-1123 subdomain');
  const base = resource.apiVersion.includes('/') ? `/apis/${resource.apiVersion}` : `/api/${resource.apiVersion}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.resource}/${encodeURIComponent(name)}` as ObjectPath;
}

/**
 * The few GETs automatic child approval needs, over node:https (global fetch cannot take a CA
 * without undici, and it follows redirects). `@kubernetes/client-node` 1.x is ESM-only and does not
 * load under Jest.
 */
export class KubernetesApi {
  constructor(readonly settings: KubernetesApiSettings) {}

  /**
   * In the cluster: KUBERNETES_SERVICE_HOST/PORT with the pod's service-account token and CA.
   * Else KUBECONFIG's current context (server, token, CA). Undefined when neither is there.
   */
  static fromEnv(env: KubernetesEnv, serviceAccountDir = SERVICE_ACCOUNT_DIR): KubernetesApi | undefined {
    if (env.inCluster) {
      const host = env.inCluster.host.includes(':') ? `[${env.inCluster.host}]` : env.inCluster.host;
      return new KubernetesApi({
        server: `https://${host}:${env.inCluster.port}`,
        ca: readFileSync(`${serviceAccountDir}/ca.crt`),
        token: tokenFile(`${serviceAccountDir}/token`),
      });
    }
    return env.kubeconfig ? fromKubeconfig(env.kubeconfig) : undefined;
  }

  /**
   * The object at `path`, parsed. Rejects on anything but a 200 with a JSON body of at most
   * MAX_ANSWER_BYTES (redirects are not followed), and when `signal` aborts — at any stage, so a
   * server that answers slowly cannot hold the caller longer than the signal allows.
   */
  async get(path: ObjectPath, signal: AbortSignal): Promise<unknown> {
    const url = new URL(this.settings.server);
    // After the server URL's own path, if it has one (Rancher's proxy: https://host/k8s/clusters/c-1).
    url.pathname = url.pathname.replace(/\/+$/, '') + path;
    const token = this.settings.token();
    const { status, contentType, text } = await new Promise<{ status: number; contentType: string; text: string }>((resolvePromise, reject) => {
      // The first failure decides; once the signal has aborted, whatever follows is its doing.
      const fail = (why: string) => {
        req.destroy();
        const late = `no complete answer in time (${(signal.reason as Error | undefined)?.message ?? 'aborted'})`;
        reject(new Error(`GET ${path}: ${signal.aborted ? late : why}`));
      };
      const req = request(
        url,
        {
          method: 'GET',
          ca: this.settings.ca,
          signal,
          headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          const announced = Number(res.headers['content-length']);
          if (announced > MAX_ANSWER_BYTES) return fail(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) return fail(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolvePromise({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', text: Buffer.concat(chunks).toString('utf8') }),
          );
          // Node reports a connection lost mid-answer as an error ("aborted") or only as a close.
          res.on('error', () => fail('the answer was cut off'));
          res.on('close', () => {
            if (!res.complete) fail('the answer was cut off');
          });
        },
      );
      req.on('error', (e) => fail(e.message));
      req.end();
    });
    if (status !== 200) throw new KubernetesApiError(status, `GET ${path}: HTTP ${status} ${statusMessage(text)}`.trim());
    // The API server answers application/json to `accept: application/json`; anything else is not it (a proxy's page).
    if (contentType.split(';')[0].trim().toLowerCase() !== 'application/json') {
      throw new Error(`GET ${path}: the answer is not JSON (${contentType || 'no content type'})`);
    }
    try {
      return parseJson(text);
    } catch (e) {
      throw new Error(`GET ${path}: the answer is not JSON${e instanceof JsonTooDeepError ? ` (${e.message})` : ''}`);
    }
  }
}

/** The `message` of a Kubernetes Status object, when the body is one. */
function statusMessage(text: string): string {
  try {
    const body = JSON.parse(text);
    return typeof body?.message === 'string' ? body.message : '';
  } catch {
    return '';
  }
}

function tokenFile(path: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > TOKEN_REREAD_MS) {
      token = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return token;
  };
}

/**
 * The current context of a kubeconfig, for development: a cluster with `server` and
 * `certificate-authority(-data)`, a user with `token` or `tokenFile`. Client certificates and exec
 * plugins are not supported (an error says so).
 */
function fromKubeconfig(file: string): KubernetesApi {
  const config = parse(readFileSync(file, 'utf8')) ?? {};
  const pick = (list: unknown, key: string, name: unknown): Record<string, unknown> => {
    const found = Array.isArray(list) ? (list as Array<Record<string, unknown> | null>).find((e) => e?.name === name) : undefined;
    const value = found?.[key];
    if (typeof value !== 'object' || value === null) throw new Error(`KUBECONFIG ${file}: no ${key} "${String(name)}"`);
    return value as Record<string, unknown>;
  };
  const context = pick(config.contexts, 'context', config['current-context']);
  const cluster = pick(config.clusters, 'cluster', context.cluster);
  const user = pick(config.users, 'user', context.user);
  const relative = (path: unknown) => resolve(dirname(file), String(path));
  if (typeof cluster.server !== 'string' || !cluster.server.startsWith('https://')) {
    throw new Error(`KUBECONFIG ${file}: the cluster's server must be an https:// URL`);
  }
  const ca =
    typeof cluster['certificate-authority-data'] === 'string'
      ? Buffer.from(cluster['certificate-authority-data'], 'base64')
      : cluster['certificate-authority'] !== undefined
        ? readFileSync(relative(cluster['certificate-authority']))
        : undefined;
  let token: () => string | undefined;
  if (typeof user.token === 'string') {
    const value = user.token;
    token = () => value;
  } else if (user.tokenFile !== undefined) {
    token = tokenFile(relative(user.tokenFile));
  } else {
    throw new Error(`KUBECONFIG ${file}: the user needs a token or tokenFile (client certificates and exec plugins are not supported)`);
  }
  return new KubernetesApi({ server: cluster.server, ca, token });
}
