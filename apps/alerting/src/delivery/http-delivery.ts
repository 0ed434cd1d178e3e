import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface DeliveryPolicy {
  /** How long one attempt may take, connection to last byte of the answer. */
  attemptTimeoutMs: number;
  maxAttempts: number;
  /** Wait before the second attempt; doubled before each further one (±20 % jitter). */
  firstBackoffMs: number;
}

/**
 * Connaisseur's alert client has no timeout at all (reference §5.9). Three attempts of at most 5 s
 * keep a slow receiver from holding anything for long, and every delivery also ends at its deadline.
 */
export const DEFAULT_POLICY: DeliveryPolicy = { attemptTimeoutMs: 5_000, maxAttempts: 3, firstBackoffMs: 250 };

export interface DeliveryOutcome {
  delivered: boolean;
  attempts: number;
  /** Why not, when not delivered: never the URL (its path may be the webhook's secret). */
  error?: string;
}

interface AttemptFailure {
  error: string;
  retryable: boolean;
  /** From a Retry-After header in seconds (429, 503). */
  retryAfterMs?: number;
}

// How much of a refusing receiver's answer goes into the error.
const BODY_EXCERPT = 200;
// Certificate verification failures (OpenSSL's codes, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE,
// CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID) do not heal with a retry.
const PERMANENT_NETWORK_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH|HOSTNAME_MISMATCH|ERR_TLS_/;

/**
 * POSTs `body` until a 2xx answer, retrying 5xx, 429 and network errors with backoff, at most
 * `maxAttempts` times and never past `deadline` (epoch ms). Redirects are not followed: a 3xx is
 * a failure, so a payload never goes to a host the configuration does not name.
 */
export async function deliver(
  url: URL,
  headers: Record<string, string>,
  body: string,
  deadline: number,
  policy: DeliveryPolicy = DEFAULT_POLICY,
): Promise<DeliveryOutcome> {
  let failure: AttemptFailure = { error: 'no time left before the deadline', retryable: false };
  for (let attempt = 1; ; attempt++) {
    const timeLeft = deadline - Date.now();
    if (timeLeft <= 0) return { delivered: false, attempts: attempt - 1, error: failure.error };
    const result = await post(url, headers, body, Math.min(policy.attemptTimeoutMs, timeLeft));
    if (result === 'delivered') return { delivered: true, attempts: attempt };
    failure = result;
    const backoff = policy.firstBackoffMs * 2 ** (attempt - 1) * (0.8 + 0.4 * Math.random());
    const wait = Math.max(backoff, failure.retryAfterMs ?? 0);
    if (!failure.retryable || attempt >= policy.maxAttempts || Date.now() + wait >= deadline) {
      return { delivered: false, attempts: attempt, error: attempt > 1 ? `${failure.error} (after ${attempt} attempts)` : failure.error };
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** One POST: 'delivered' on a 2xx answer, else why not. */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<'delivered' | AttemptFailure> {
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
    });
    // The first outcome counts; what the destroyed request reports after a timeout is ignored.
    const settle = (result: 'delivered' | AttemptFailure) => {
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      settle({ error: `no answer within ${timeoutMs} ms`, retryable: true });
      request.destroy();
    }, timeoutMs);
    request.on('error', (e: NodeJS.ErrnoException) =>
      settle({ error: `cannot reach the receiver: ${e.message}`, retryable: !PERMANENT_NETWORK_ERROR.test(e.code ?? '') }),
    );
    request.on('response', (response) => {
      readExcerpt(response).then(
        (excerpt) => settle(answer(response, excerpt)),
        (e: Error) => settle({ error: `the answer broke off: ${e.message}`, retryable: true }),
      );
    });
    request.end(body);
  });
}

function answer(response: IncomingMessage, excerpt: string): 'delivered' | AttemptFailure {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return 'delivered';
  const retryAfter = Number(response.headers['retry-after']);
  return {
    error: `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`,
    retryable: status >= 500 || status === 429,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
  };
}

/** The start of the answer's body, on one line (Connaisseur puts the body into its error). */
function readExcerpt(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < BODY_EXCERPT) text += chunk;
    });
    response.on('end', () => resolve(text.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT)));
    response.on('error', reject);
    response.on('close', () => {
      if (!response.complete) reject(new Error('connection closed'));
    });
  });
}
