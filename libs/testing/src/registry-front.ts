import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { OCI_INDEX, OCI_MANIFEST, sha256Digest } from './oci-images';

/**
 * An answer the front gives itself instead of asking the registry behind; a manifest's carries its
 * Docker-Content-Digest, as a registry's does. No content type: none is sent (Connaisseur's mock
 * registry serves some fixtures so).
 */
export interface FrontAnswer {
  contentType?: string;
  body: Buffer;
}

export interface RegistryFrontOptions {
  /** The real registry behind the front (plain http, no auth). */
  backend: string;
  /** The front asks for Basic auth with these credentials. */
  basicAuth?: { username: string; password: string };
  /** The front asks for a Bearer token, which its /token endpoint issues for these credentials. */
  bearerAuth?: { username: string; password: string };
  /** Blob downloads are answered with a redirect to a second origin (object storage). */
  redirectBlobs?: boolean;
  /**
   * Serve the OCI 1.1 referrers API (`GET /v2/<repo>/referrers/<digest>`), which distribution 2.8
   * lacks, from the referrers tag-schema index in the registry behind; the tag itself is hidden.
   */
  referrersApi?: boolean;
  /** Misbehaviour, for the hostile-registry tests. */
  hostile?: 'wrong-manifest-bytes' | 'wrong-blob-bytes' | 'longer-blob' | 'endless-blob';
}

/** A manifest listed in a referrers index: the descriptor's artifact type, and the manifest (served unless `missing`). */
export interface ListedReferrer {
  artifactType?: string;
  manifest: Record<string, unknown>;
  missing?: boolean;
}

/**
 * What a registry with the referrers API answers for `subject` when it lists these manifests: the
 * index (`GET /v2/<repository>/referrers/<subject>`) and each manifest by its digest. For
 * `RegistryFront.answers`: hostile indexes with thousands of entries would take the registry
 * itself long to hold.
 */
export function referrersAnswers(repository: string, subject: string, referrers: ListedReferrer[]): Map<string, FrontAnswer> {
  const answers = new Map<string, FrontAnswer>();
  const manifests = referrers.map(({ artifactType, manifest, missing }) => {
    const body = Buffer.from(JSON.stringify(manifest));
    const digest = sha256Digest(body);
    if (!missing) answers.set(`/v2/${repository}/manifests/${digest}`, { contentType: OCI_MANIFEST, body });
    return { mediaType: OCI_MANIFEST, digest, size: body.length, ...(artifactType ? { artifactType } : {}) };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  answers.set(`/v2/${repository}/referrers/${subject}`, { contentType: OCI_INDEX, body: index });
  return answers;
}

/**
 * The answers of a registry holding `bytes` as a manifest of `repository`, by `tag` and by digest:
 * for manifests the registry behind would refuse, such as images whose blobs it lacks.
 */
export function manifestAnswers(repository: string, tag: string, bytes: Buffer): Map<string, FrontAnswer> {
  const contentType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
  const answer = { contentType, body: bytes };
  return new Map([
    [`/v2/${repository}/manifests/${tag}`, answer],
    [`/v2/${repository}/manifests/${sha256Digest(bytes)}`, answer],
  ]);
}

/**
 * A small HTTP front of a real registry for what the registry itself cannot show: blob downloads
 * redirected to another origin (which records whether credentials followed), manifests whose
 * blobs it lacks, and a hostile registry that sends bytes other than those asked for, endless
 * bodies, or answers of its own.
 */
export class RegistryFront {
  /** Paths (with query) the front was asked for, in order. */
  readonly requests: string[] = [];
  /** Paths the front answers itself (GET and HEAD), before the registry behind; changeable at any time. */
  answers = new Map<string, FrontAnswer>();
  /** The Authorization headers the blob origin received (must stay empty). */
  readonly blobOriginAuthorizations: string[] = [];
  blobOriginRequests = 0;
  /** Tokens the /token endpoint issued. */
  tokensIssued = 0;
  /** Calls of the referrers API. */
  referrersRequests = 0;
  private readonly servers: Server[] = [];
  private blobOrigin = '';
  port = 0;

  constructor(private readonly options: RegistryFrontOptions) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const blobs = await this.listen((req, res) => this.serveBlobOrigin(req, res));
    this.blobOrigin = `http://127.0.0.1:${blobs}`;
    this.port = await this.listen((req, res) => this.serveFront(req, res));
    return this;
  }

  async stop(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  private listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
    const server = createServer(handler);
    this.servers.push(server);
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  }

  private serveFront(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/';
    const basic = (c: { username: string; password: string }) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    const auth = this.options.basicAuth;
    if (auth && req.headers.authorization !== basic(auth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="connaisseur-mesh-front"' }).end();
      return;
    }
    const bearer = this.options.bearerAuth;
    if (bearer && url.startsWith('/token')) {
      if (req.headers.authorization !== basic(bearer)) return void res.writeHead(401).end();
      const scope = new URL(url, 'http://x').searchParams.get('scope');
      this.tokensIssued++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `token-for ${scope}`, expires_in: 300 }));
      return;
    }
    if (bearer && !req.headers.authorization?.startsWith('Bearer token-for repository:')) {
      const realm = `http://${this.host}/token`;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="connaisseur-mesh-front"` }).end();
      return;
    }
    this.requests.push(url);
    const own = this.answers.get(url);
    if (own) {
      const headers: Record<string, string> = { 'content-length': String(own.body.length) };
      if (own.contentType) headers['content-type'] = own.contentType;
      if (url.includes('/manifests/')) headers['docker-content-digest'] = sha256Digest(own.body);
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : own.body);
      return;
    }
    if (this.options.hostile === 'endless-blob' && url.includes('/blobs/')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      return pump();
    }
    const referrers = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})/.exec(url);
    if (referrers && this.options.referrersApi) {
      this.referrersRequests++;
      req.url = `/v2/${referrers[1]}/manifests/${referrers[2].replace(':', '-')}`;
      req.headers.accept = 'application/vnd.oci.image.index.v1+json';
      return this.forward(req, res, (body) => body, (status) => (status === 404 ? { status: 200, body: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}' } : undefined));
    }
    if (this.options.referrersApi && /\/manifests\/sha256-[0-9a-f]{64}$/.test(url)) return void res.writeHead(404).end();
    if (this.options.redirectBlobs && url.includes('/blobs/sha256:')) {
      res.writeHead(307, { location: `${this.blobOrigin}${url}` }).end();
      return;
    }
    this.forward(req, res, (body) => {
      if (this.options.hostile === 'wrong-manifest-bytes' && url.includes('/manifests/')) return Buffer.concat([body, Buffer.from(' ')]);
      if (this.options.hostile === 'wrong-blob-bytes' && url.includes('/blobs/')) return flipLastByte(body);
      if (this.options.hostile === 'longer-blob' && url.includes('/blobs/')) return Buffer.concat([body, Buffer.from(' ')]);
      return body;
    });
  }

  private serveBlobOrigin(req: IncomingMessage, res: ServerResponse) {
    this.blobOriginRequests++;
    if (req.headers.authorization) this.blobOriginAuthorizations.push(req.headers.authorization);
    this.forward(req, res, (body) => body);
  }

  /** Proxies to the backend registry, letting `rewrite` change the body (or `replace` the answer to a status). */
  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    rewrite: (body: Buffer) => Buffer,
    replace?: (status: number) => { status: number; body: string } | undefined,
  ) {
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    const upstream = request(new URL(req.url ?? '/', this.options.backend), { method: req.method, headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const replacement = replace?.(up.statusCode ?? 502);
        if (replacement) {
          res.writeHead(replacement.status, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(replacement.body);
          return;
        }
        const body = rewrite(Buffer.concat(chunks));
        const out = { ...up.headers, 'content-length': String(body.length) };
        delete out['transfer-encoding'];
        res.writeHead(up.statusCode ?? 502, out).end(req.method === 'HEAD' ? undefined : body);
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }
}

/** Other bytes of the same length: only the digest can tell. */
function flipLastByte(body: Buffer): Buffer {
  const changed = Buffer.from(body);
  if (changed.length > 0) changed[changed.length - 1] ^= 0x01;
  return changed;
}
