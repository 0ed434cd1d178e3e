import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTestCertificates, TestCertificates } from './test-certificates';

/** The API server's resource names of the workload kinds (what `kubectl api-resources` lists). */
const RESOURCES: Record<string, string> = {
  Pod: 'pods',
  ReplicaSet: 'replicasets',
  Deployment: 'deployments',
  DaemonSet: 'daemonsets',
  StatefulSet: 'statefulsets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  ReplicationController: 'replicationcontrollers',
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * The one stand-in of the tests (no API server can run here): an HTTPS server that answers the
 * GETs of namespaced objects the way the Kubernetes API server does — same paths
 * (`/api/v1/namespaces/<ns>/<resource>/<name>`, `/apis/<group>/<version>/namespaces/…`), the object
 * as JSON, `Status` objects for 401 and 404 — and nothing else. Like the API server it finds the
 * object by the percent-decoded path and ignores the query. It checks the bearer token and records
 * every request target as it arrived.
 */
export class KubeApiStandIn {
  readonly requests: string[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly failures = new Map<string, number>();
  private readonly overrides = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  private constructor(
    private readonly server: Server,
    readonly certificates: TestCertificates,
    readonly token: string,
    readonly port: number,
  ) {}

  static async start(token = 'stand-in-token'): Promise<KubeApiStandIn> {
    const certificates = makeTestCertificates();
    let standIn: KubeApiStandIn | undefined;
    const server = createServer({ cert: certificates.cert, key: certificates.key }, (req, res) => {
      const override = standIn!.overrides.get(req.url ?? '');
      if (override) {
        standIn!.requests.push(`${req.method} ${req.url}`);
        return override(req, res);
      }
      const { status, body } = standIn!.answer(req.method ?? '', req.url ?? '', req.headers.authorization);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new KubeApiStandIn(server, certificates, token, (server.address() as AddressInfo).port);
    return standIn;
  }

  get serverUrl(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Serves `object` at its path; `resource` is the plural of a custom resource (`rollouts` for an Argo Rollout). */
  put(object: KubeObject, resource?: string) {
    this.objects.set(pathOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name, resource), object);
  }

  /** Answers `status` (e.g. 500, 403) for the object of this kind and name, as a broken API server or RBAC would. */
  fail(apiVersion: string, kind: string, namespace: string, name: string, status: number) {
    this.failures.set(pathOf(apiVersion, kind, namespace, name), status);
  }

  /**
   * Answers requests for exactly this target with `handler`, unauthenticated and as it likes: what a
   * faulty API server or a proxy in front of it could send (a redirect, a page, a trickle).
   */
  override(target: string, handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.overrides.set(target, handler);
  }

  /** A kubeconfig (current context: this server, its CA file, the bearer token) written to `dir`. */
  writeKubeconfig(dir: string): string {
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'stand-in',
        clusters: [{ name: 'stand-in', cluster: { server: this.serverUrl, 'certificate-authority': this.certificates.caFile } }],
        users: [{ name: 'management', user: { token: this.token } }],
        contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'management' } }],
      }),
    );
    return file;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(method: string, url: string, authorization: string | undefined): { status: number; body: unknown } {
    this.requests.push(`${method} ${url}`);
    if (authorization !== `Bearer ${this.token}`) return { status: 401, body: status(401, 'Unauthorized', 'Unauthorized') };
    let path: string;
    try {
      path = decodeURIComponent(url.split('?')[0]);
    } catch {
      return { status: 400, body: status(400, 'BadRequest', 'invalid URL escape') };
    }
    if (method !== 'GET') return { status: 405, body: status(405, 'MethodNotAllowed', 'the stand-in serves GET only') };
    const failure = this.failures.get(path);
    if (failure) return { status: failure, body: status(failure, 'InternalError', 'stand-in failure') };
    const object = this.objects.get(path);
    if (object) return { status: 200, body: object };
    const name = path.split('/').at(-1);
    return { status: 404, body: status(404, 'NotFound', `the object "${name}" was not found`) };
  }
}

function pathOf(apiVersion: string, kind: string, namespace: string, name: string, resource = RESOURCES[kind]): string {
  if (!resource) throw new Error(`the stand-in needs the resource name of ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${resource}/${name}`;
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** An `override` handler: a 200 with `body` as JSON, whatever was asked for. */
export function jsonAnswer(body: unknown) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

/** An `override` handler: the headers at once, then a space every 100 ms for ever (each byte would reset an idle timeout). */
export function trickledAnswer(req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const timer = setInterval(() => res.write(' '), 100);
  req.socket.on('close', () => clearInterval(timer));
}
