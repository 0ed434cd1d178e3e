import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { KubernetesEnv } from '../config/management.env';

/** Where a pod finds its service account (Kubernetes' fixed paths). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Bound service-account tokens are rotated by the kubelet; the file is read again after this. */
const TOKEN_REREAD_MS = 60_000;

export interface KubernetesApiSettings {
  /** https://host:port */
  server: string;
  /** PEM CA of the API server; the system roots when unset. */
  ca?: Buffer;
  token: () => string | undefined;
}

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

/**
 * The few GETs automatic child approval needs, over node:https (global fetch cannot take a CA
 * without undici). `@kubernetes/client-node` 1.x is ESM-only and does not load under Jest.
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

  /** GET /api/v1/… (core group) or /apis/<group>/<version>/…: the object of `kind` named `name`. */
  getNamespaced(apiVersion: string, kind: string, namespace: string, name: string, timeoutMs: number): Promise<unknown> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    // Connaisseur's resource naming (reference §5.6): lowercase kind + "s".
    const path = `${base}/namespaces/${encodeURIComponent(namespace)}/${kind.toLowerCase()}s/${encodeURIComponent(name)}`;
    return this.get(path, timeoutMs);
  }

  private get(path: string, timeoutMs: number): Promise<unknown> {
    const token = this.settings.token();
    return new Promise((resolvePromise, reject) => {
      const req = request(
        new URL(path, this.settings.server),
        {
          method: 'GET',
          ca: this.settings.ca,
          timeout: timeoutMs,
          headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              reject(new KubernetesApiError(res.statusCode ?? 0, `GET ${path}: HTTP ${res.statusCode} ${statusMessage(text)}`.trim()));
              return;
            }
            try {
              resolvePromise(JSON.parse(text));
            } catch {
              reject(new Error(`GET ${path}: the answer is not JSON`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
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
