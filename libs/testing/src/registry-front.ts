import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { sha256Digest } from './oci-images';

/** A manifest the front answers itself, by tag and by digest. */
export interface ServedManifest {
  repository: string;
  tag: string;
  bytes: Buffer;
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
  /**
   * Manifests the front serves itself (by tag and digest, with the Content-Type of their
   * `mediaType` and Docker-Content-Digest, as a registry does): images whose blobs the registry
   * behind lacks, which it would therefore refuse (Connaisseur's fixtures).
   */
  manifests?: ServedManifest[];
  /** Misbehaviour, for the hostile-registry tests. */
  hostile?: 'wrong-manifest-bytes' | 'wrong-blob-bytes' | 'endless-blob';
}

/**
 * A small HTTP front of a real registry for what the registry itself cannot show: blob downloads
 * redirected to another origin (which records whether credentials followed), manifests whose
 * blobs it lacks, and a hostile registry that sends bytes other than those asked for, or endless
 * bodies.
 */
export class RegistryFront {
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
    const served = this.servedManifest(url);
    if (served && (req.method === 'GET' || req.method === 'HEAD')) {
      const mediaType = (JSON.parse(served.bytes.toString('utf8')) as { mediaType?: string }).mediaType;
      const headers = { 'docker-content-digest': sha256Digest(served.bytes), 'content-length': String(served.bytes.length) };
      res.writeHead(200, mediaType ? { ...headers, 'content-type': mediaType } : headers).end(req.method === 'HEAD' ? undefined : served.bytes);
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
      if (this.options.hostile === 'wrong-blob-bytes' && url.includes('/blobs/')) return Buffer.from(`${body.toString('utf8')} `);
      return body;
    });
  }

  private servedManifest(url: string): ServedManifest | undefined {
    const match = /^\/v2\/(.+)\/manifests\/([^/?]+)$/.exec(url);
    if (!match) return undefined;
    const [, repository, reference] = match;
    return this.options.manifests?.find((m) => m.repository === repository && (m.tag === reference || sha256Digest(m.bytes) === reference));
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
