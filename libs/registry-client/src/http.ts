import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BodyTooLarge, RegistryError } from './errors';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
}

export interface HttpRequest {
  url: URL;
  headers?: Record<string, string>;
  /** Bodies above this are refused (a hostile registry must not exhaust memory). */
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
  agents: { http: HttpAgent; https: HttpsAgent };
}

const MAX_REDIRECTS = 5;

/**
 * One GET, following redirects (blob downloads go to object storage). The Authorization header
 * goes only to the origin it was meant for: a redirect to another origin drops it.
 */
export async function httpGet(req: HttpRequest): Promise<HttpResponse> {
  let url = req.url;
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    const response = await once(url, headers, req);
    const location = response.headers.location;
    if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) return response;
    if (hop >= MAX_REDIRECTS) throw new RegistryError('invalid-content', `too many redirects from ${req.url.origin}`);
    const next = new URL(location, url);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new RegistryError('invalid-content', `redirect to unsupported URL scheme ${next.protocol}`);
    }
    if (url.protocol === 'https:' && next.protocol === 'http:') {
      throw new RegistryError('invalid-content', `refusing a redirect from https to http (${next.origin})`);
    }
    if (next.origin !== url.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}

function once(url: URL, headers: Record<string, string>, req: HttpRequest): Promise<HttpResponse> {
  if (req.signal.aborted) return Promise.reject(deadline());
  const isHttps = url.protocol === 'https:';
  const send = isHttps ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const onAbort = () => request.destroy(deadline());
    const request = send(url, { method: 'GET', headers, agent: isHttps ? req.agents.https : req.agents.http }, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > req.maxBytes) {
        res.destroy();
        return reject(tooLarge(url, req.maxBytes));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) {
          res.destroy(tooLarge(url, req.maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url }));
      res.on('error', (e) => reject(e instanceof RegistryError ? e : unavailable(url, e)));
    });
    request.setTimeout(req.timeoutMs, () =>
      request.destroy(new RegistryError('unavailable', `${url.origin} did not answer within ${req.timeoutMs} ms`, true)),
    );
    request.on('error', (e) => reject(e instanceof RegistryError ? e : unavailable(url, e)));
    request.on('close', () => req.signal.removeEventListener('abort', onAbort));
    req.signal.addEventListener('abort', onAbort, { once: true });
    request.end();
  });
}

const deadline = () => new RegistryError('deadline', 'the deadline passed');
const tooLarge = (url: URL, max: number) => new BodyTooLarge(`${url.origin}${url.pathname}`, max);
const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
function unavailable(url: URL, e: Error): RegistryError {
  const code = (e as NodeJS.ErrnoException).code;
  return new RegistryError('unavailable', `${url.origin}: ${code ? `${code} ${e.message}` : e.message}`, !code || TRANSIENT.has(code));
}

/** TLS failures that mean "this port speaks plain HTTP" (used only for loopback registries). */
export function isPlainHttpOnTlsPort(e: unknown): boolean {
  return e instanceof RegistryError && /EPROTO|ERR_SSL_WRONG_VERSION_NUMBER|ECONNRESET/.test(e.message);
}
