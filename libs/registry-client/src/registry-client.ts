import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isLoopback } from '@connaisseur-mesh/config';
import { DOCKER_HUB } from '@connaisseur-mesh/image-reference';
import { JsonTooDeepError, parseJson } from '@connaisseur-mesh/json';
import { basicAuthorization, BasicCredentials, parseChallenge } from './auth';
import { ByteBudget } from './byte-budget';
import { CredentialStore } from './credentials';
import { RegistryError, RegistryErrorKind } from './errors';
import { httpGet, HttpResponse, isPlainHttpOnTlsPort } from './http';
import { Descriptor, ManifestJson, MANIFEST_ACCEPT, OCI_INDEX } from './media-types';

/** Where a repository lives: `index.docker.io` + `library/nginx`. */
export interface RepositoryRef {
  registry: string;
  repository: string;
}

export interface Manifest {
  /** sha256 of the bytes, checked against the digest asked for (or the registry's header). */
  digest: string;
  mediaType: string;
  bytes: Buffer;
  json: ManifestJson;
}

/** Kinds of upstream requests, as the `connaisseur_mesh_upstream_requests_total` metric counts them. */
export type UpstreamKind = 'manifest' | 'blob' | 'token';

export interface RegistryClientOptions {
  credentials?: CredentialStore;
  /** PEM CA certificate(s) replacing the system roots (a validator's `cert`). */
  ca?: string;
  requestTimeoutMs?: number;
  maxManifestBytes?: number;
  maxBlobBytes?: number;
  /** Attempts per request for 429, 5xx and network errors. */
  attempts?: number;
  /** Called once per HTTP response or failed request (code: status, or "error"). */
  onRequest?: (kind: UpstreamKind, code: string) => void;
}

/** Limits of one download beyond the client's own caps. */
export interface DownloadLimits {
  /** The body's cap instead of the client's maxManifestBytes or maxBlobBytes. */
  maxBytes?: number;
  /** Bytes shared with other downloads (every attempt counts). */
  budget?: ByteBudget;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** How registries without the referrers API answer it. */
const UNSUPPORTED = new Set([400, 404, 405, 406, 415, 501]);
const DEFAULTS = { requestTimeoutMs: 10_000, maxManifestBytes: 4 << 20, maxBlobBytes: 4 << 20, attempts: 3 };

/**
 * A read-only OCI distribution client for what signature verification needs: manifests (by tag
 * or digest), small blobs, and referrers. Every manifest and blob is checked against its digest,
 * bodies are size-capped, requests time out and are retried with backoff on 429/5xx/network
 * errors, Bearer tokens and Basic credentials follow the registry's challenge. One instance per
 * validator (its credentials and CA); safe for concurrent use.
 */
export class RegistryClient {
  private readonly options: Required<Omit<RegistryClientOptions, 'ca' | 'onRequest'>> & Pick<RegistryClientOptions, 'onRequest'>;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  /** Bearer tokens by `<registry> <scope>`. */
  private readonly tokens = new Map<string, { value: string; expires: number }>();
  /** The scheme of each loopback registry, found out once (https, else plain http). */
  private readonly loopbackSchemes = new Map<string, Promise<'https' | 'http'>>();

  constructor(options: RegistryClientOptions = {}) {
    this.options = { ...DEFAULTS, ...options, credentials: options.credentials ?? CredentialStore.empty() };
    this.agents = {
      http: new HttpAgent({ keepAlive: true }),
      https: new HttpsAgent({ keepAlive: true, ca: options.ca, minVersion: 'TLSv1.2' }),
    };
  }

  /** The manifest for a tag or digest; undefined when the registry has none (404). */
  async getManifest(repo: RepositoryRef, reference: string, signal: AbortSignal, limits: DownloadLimits = {}): Promise<Manifest | undefined> {
    const res = await this.get(repo, `manifests/${reference}`, 'manifest', { accept: MANIFEST_ACCEPT }, this.limited(limits, 'manifest'), signal);
    if (res.status === 404) return undefined;
    const digest = sha256(res.body);
    if (DIGEST.test(reference) && digest !== reference) {
      throw new RegistryError('invalid-content', `manifest ${repo.repository}@${reference} has digest ${digest}: the registry sent other bytes`);
    }
    const announced = header(res, 'docker-content-digest');
    if (announced && announced.startsWith('sha256:') && announced !== digest) {
      throw new RegistryError('invalid-content', `manifest ${repo.repository}:${reference}: Docker-Content-Digest ${announced} does not match the bytes (${digest})`);
    }
    const json = parseBody(res.body, `manifest ${repo.repository}:${reference}`, 'invalid-content') as ManifestJson;
    if (typeof json !== 'object' || json === null) throw new RegistryError('invalid-content', `manifest ${repo.repository}:${reference} is not a JSON object`);
    const mediaType = json.mediaType ?? header(res, 'content-type')?.split(';')[0] ?? '';
    return { digest, mediaType, bytes: res.body, json };
  }

  /** A blob, checked against its digest. */
  async getBlob(repo: RepositoryRef, digest: string, signal: AbortSignal, limits: DownloadLimits = {}): Promise<Buffer> {
    if (!DIGEST.test(digest)) throw new RegistryError('invalid-content', `unsupported blob digest "${digest}"`);
    const res = await this.get(repo, `blobs/${digest}`, 'blob', {}, this.limited(limits, 'blob'), signal);
    if (res.status === 404) throw new RegistryError('not-found', `blob ${repo.repository}@${digest} not found`);
    if (sha256(res.body) !== digest) {
      throw new RegistryError('invalid-content', `blob ${repo.repository}@${digest} does not match its digest`);
    }
    return res.body;
  }

  /**
   * Manifests that refer to `digest` (OCI 1.1), optionally of one artifact type: the referrers
   * API, or — for registries without it, like distribution 2.8 — the referrers tag schema
   * (an index tagged `sha256-<hex>`).
   */
  async getReferrers(repo: RepositoryRef, digest: string, signal: AbortSignal, limits: DownloadLimits & { artifactType?: string } = {}): Promise<Descriptor[]> {
    const { artifactType } = limits;
    const filter = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.get(repo, `referrers/${digest}${filter}`, 'manifest', { accept: OCI_INDEX }, this.limited(limits, 'manifest'), signal, true);
    let index: ManifestJson | undefined;
    if (res.status === 200 && (header(res, 'content-type') ?? '').startsWith(OCI_INDEX)) {
      index = parseBody(res.body, `the referrers index of ${repo.repository}@${digest}`, 'invalid-content') as ManifestJson;
    } else {
      index = (await this.getManifest(repo, digest.replace(':', '-'), signal, limits))?.json;
    }
    const manifests = Array.isArray(index?.manifests) ? index.manifests.filter(isDescriptor) : [];
    return artifactType ? manifests.filter((m) => m.artifactType === artifactType) : manifests;
  }

  /** One registry GET with authentication, retries and the scheme decided per registry. */
  private async get(
    repo: RepositoryRef,
    path: string,
    kind: 'manifest' | 'blob',
    extraHeaders: Record<string, string>,
    limits: { maxBytes: number; budget?: ByteBudget },
    signal: AbortSignal,
    /** Return (instead of failing on) the 4xx answers of a registry without this endpoint. */
    unsupportedIsAnswer = false,
  ): Promise<HttpResponse> {
    const scope = `repository:${repo.repository}:pull`;
    const tokenKey = `${repo.registry} ${scope}`;
    const credentials = this.options.credentials.lookup(`${repo.registry}/${repo.repository}`);
    let authorization = this.cachedToken(tokenKey);
    for (let authRound = 0; ; authRound++) {
      const url = await this.url(repo.registry, `/v2/${repo.repository}/${path}`, signal);
      const headers: Record<string, string> = { ...extraHeaders, 'user-agent': 'connaisseur-mesh' };
      if (authorization) headers.authorization = authorization;
      const send = (cap: number) => this.request(url, headers, cap, signal);
      const { maxBytes, budget } = limits;
      const res = await this.withRetries(kind, () => (budget ? budget.download(maxBytes, send) : send(maxBytes)), signal);
      if (res.status !== 401) {
        if (res.status === 403) throw new RegistryError('unauthorized', `${repo.registry} refused access to ${repo.repository} (403)`);
        if (res.status >= 400 && res.status !== 404 && !(unsupportedIsAnswer && UNSUPPORTED.has(res.status))) {
          throw new RegistryError(res.status >= 500 || res.status === 429 ? 'unavailable' : 'invalid-content', `${repo.registry} answered ${res.status} for ${path}`);
        }
        return res;
      }
      if (authRound > 0) throw new RegistryError('unauthorized', `${repo.registry} refused the credentials for ${repo.repository} (401)`);
      authorization = await this.authorize(res, repo, scope, tokenKey, credentials, signal);
    }
  }

  /** Answers a 401 challenge: a Bearer token from the realm, or Basic credentials. */
  private async authorize(
    res: HttpResponse,
    repo: RepositoryRef,
    scope: string,
    tokenKey: string,
    credentials: BasicCredentials | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const challenge = parseChallenge(header(res, 'www-authenticate'));
    if (challenge?.scheme === 'basic') {
      if (!credentials) throw new RegistryError('unauthorized', `${repo.registry} needs credentials for ${repo.repository} and none are configured`);
      return basicAuthorization(credentials);
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw new RegistryError('unauthorized', `${repo.registry} answered 401 without a usable challenge`);
    }
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RegistryError('unauthorized', `${repo.registry} sent an invalid token realm`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopback(realm.host))) {
      throw new RegistryError('unauthorized', `refusing to send credentials to the token realm ${realm.origin} (not https)`);
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', scope);
    const headers: Record<string, string> = { 'user-agent': 'connaisseur-mesh' };
    if (credentials) headers.authorization = basicAuthorization(credentials);
    const tokenRes = await this.withRetries('token', () => this.request(realm, headers, 1 << 20, signal), signal);
    if (tokenRes.status === 401 || tokenRes.status === 403) {
      throw new RegistryError('unauthorized', `the token service of ${repo.registry} refused ${credentials ? 'the credentials' : 'anonymous access'} (${tokenRes.status})`);
    }
    if (tokenRes.status !== 200) throw new RegistryError('unavailable', `the token service of ${repo.registry} answered ${tokenRes.status}`);
    const body = (parseBody(tokenRes.body, `the token of ${repo.registry}`, 'unauthorized') ?? {}) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError('unauthorized', `the token service of ${repo.registry} sent no token`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    this.tokens.set(tokenKey, { value: `Bearer ${token}`, expires: Date.now() + (seconds - 5) * 1000 });
    return `Bearer ${token}`;
  }

  private limited(limits: DownloadLimits, kind: 'manifest' | 'blob'): { maxBytes: number; budget?: ByteBudget } {
    return { maxBytes: limits.maxBytes ?? (kind === 'manifest' ? this.options.maxManifestBytes : this.options.maxBlobBytes), budget: limits.budget };
  }

  private cachedToken(key: string): string | undefined {
    const token = this.tokens.get(key);
    if (token && token.expires > Date.now()) return token.value;
    this.tokens.delete(key);
    return undefined;
  }

  private request(url: URL, headers: Record<string, string>, maxBytes: number, signal: AbortSignal) {
    return httpGet({ url, headers, maxBytes, timeoutMs: this.options.requestTimeoutMs, signal, agents: this.agents });
  }

  /** Retries network errors, 429 and 5xx with exponential backoff, never past the deadline. */
  private async withRetries(kind: UpstreamKind, run: () => Promise<HttpResponse>, signal: AbortSignal): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      try {
        res = await run();
        this.options.onRequest?.(kind, String(res.status));
      } catch (e) {
        this.options.onRequest?.(kind, 'error');
        if (!(e instanceof RegistryError) || !e.retryable || attempt >= this.options.attempts) throw e;
      }
      if (res && res.status !== 429 && res.status < 500) return res;
      if (res && attempt >= this.options.attempts) return res;
      const retryAfter = Number(res?.headers['retry-after']);
      const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 2_000) : 100 * 4 ** (attempt - 1);
      await sleep(delay, signal);
    }
  }

  /** https, except a loopback registry that speaks plain HTTP (local development and tests). */
  private async url(registry: string, path: string, signal: AbortSignal): Promise<URL> {
    const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
    if (!isLoopback(host)) return new URL(`https://${host}${path}`);
    let scheme = this.loopbackSchemes.get(host);
    if (!scheme) {
      scheme = this.request(new URL(`https://${host}/v2/`), {}, 1 << 16, signal).then(
        () => 'https' as const,
        (e) => {
          if (isPlainHttpOnTlsPort(e)) return 'http' as const;
          this.loopbackSchemes.delete(host);
          throw e;
        },
      );
      this.loopbackSchemes.set(host, scheme);
    }
    return new URL(`${await scheme}://${host}${path}`);
  }

  close() {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A registry's JSON, its depth bounded (a hostile registry must not hold the event loop). */
function parseBody(body: Buffer, what: string, kind: RegistryErrorKind): unknown {
  try {
    return parseJson(body);
  } catch (e) {
    throw new RegistryError(kind, e instanceof JsonTooDeepError ? `${what} is JSON ${e.message}` : `${what} is not JSON`);
  }
}

function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor;
  return typeof d === 'object' && d !== null && typeof d.digest === 'string' && typeof d.mediaType === 'string';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RegistryError('deadline', 'the deadline passed'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RegistryError('deadline', 'the deadline passed'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
