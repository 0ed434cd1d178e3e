import { bindAddress, envPort, envString, isLoopback, readCertificatesFile } from '@connaisseur-mesh/config';

/** Management's environment (ARCHITECTURE.md): listeners, webhook TLS and where the services are. */
export interface ManagementEnv {
  host: string;
  port: number;
  opsPort: number;
  tlsCert?: string;
  tlsKey?: string;
  /** Addresses of the validator services by validator type. */
  validatorAddresses: { cosign: string; notaryv1: string; notation: string };
  alertingAddress: string;
  /** Where the cache lives: Redis when set, else in this process. */
  redis?: RedisEnv;
  /** HMAC key of the cache entries in Redis (CACHE_HMAC_KEY, at least MIN_CACHE_HMAC_KEY_BYTES); required with Redis. */
  cacheHmacKey?: string;
  /** The Kubernetes API, for automatic child approval. */
  kubernetes: KubernetesEnv;
}

/** Redis as the environment names it: REDIS_URL, REDIS_PASSWORD, REDIS_CA. */
export interface RedisSettings {
  url: string;
  password?: string;
  /** File with the PEM CA that signed the server's certificate (rediss://). */
  caFile?: string;
}

export interface RedisEnv {
  url: string;
  password?: string;
  /** The PEM certificate(s) of REDIS_CA, read and checked at start. */
  ca?: string;
}

/** 256 bits: a key short enough to guess lets whoever can write to Redis forge verdicts. */
export const MIN_CACHE_HMAC_KEY_BYTES = 32;

export interface KubernetesEnv {
  /** KUBERNETES_SERVICE_HOST/PORT: running in a cluster, with its service-account token and CA. */
  inCluster?: { host: string; port: string };
  /** KUBECONFIG (development): the current context's server, token and CA. */
  kubeconfig?: string;
}

export const MANAGEMENT_ENV = Symbol('MANAGEMENT_ENV');

export function readManagementEnv(): ManagementEnv {
  const tlsCert = envString('TLS_CERT');
  const tlsKey = envString('TLS_KEY');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new Error('TLS_CERT and TLS_KEY must be set together');
  const cacheHmacKey = envString('CACHE_HMAC_KEY');
  if (cacheHmacKey !== undefined) checkCacheHmacKey(cacheHmacKey);
  const redisUrl = envString('REDIS_URL');
  const redis = redisUrl ? redisEnv({ url: redisUrl, password: envString('REDIS_PASSWORD'), caFile: envString('REDIS_CA') }, cacheHmacKey) : undefined;
  const serviceHost = envString('KUBERNETES_SERVICE_HOST');
  return {
    host: bindAddress(),
    port: envPort('PORT', 5000),
    opsPort: envPort('OPS_PORT', 9090),
    tlsCert,
    tlsKey,
    validatorAddresses: {
      cosign: envString('VALIDATOR_COSIGN_ADDRESS', '127.0.0.1:50051'),
      notaryv1: envString('VALIDATOR_NOTARYV1_ADDRESS', '127.0.0.1:50052'),
      notation: envString('VALIDATOR_NOTATION_ADDRESS', '127.0.0.1:50053'),
    },
    alertingAddress: envString('ALERTING_ADDRESS', '127.0.0.1:50054'),
    redis,
    cacheHmacKey,
    kubernetes: {
      inCluster: serviceHost ? { host: serviceHost, port: envString('KUBERNETES_SERVICE_PORT', '443') } : undefined,
      kubeconfig: envString('KUBECONFIG'),
    },
  };
}

/**
 * A shared Redis is only as trustworthy as its access control: with Redis, entries must carry a
 * MAC that every management replica can check (one CACHE_HMAC_KEY), and a Redis that is not on
 * this machine's loopback (the local stack) must require a password. REDIS_CA is read here, at
 * start: a file that is no certificate would otherwise make every lookup a miss, unnoticed.
 */
export function redisEnv(redis: RedisSettings, cacheHmacKey: string | undefined): RedisEnv {
  let url: URL;
  try {
    url = new URL(redis.url);
  } catch {
    throw new Error(`REDIS_URL: "${redis.url}" is not a URL (redis://host:port or rediss://host:port)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('REDIS_URL: must start with redis:// or rediss://');
  if (redis.caFile && url.protocol !== 'rediss:') throw new Error('REDIS_CA is set, but REDIS_URL is not rediss:// (TLS)');
  if (!cacheHmacKey) throw new Error('CACHE_HMAC_KEY is required with REDIS_URL (every management replica must use the same key)');
  if (!redis.password && !url.password && !isLoopback(url.hostname)) {
    throw new Error(`Redis at ${url.hostname} without a password: set REDIS_PASSWORD (only a Redis on loopback, the local stack, may go without)`);
  }
  return { url: redis.url, password: redis.password, ca: redis.caFile ? readCertificatesFile('REDIS_CA', redis.caFile) : undefined };
}

/** The key's length in UTF-8 bytes, never the key itself, goes into the message. */
export function checkCacheHmacKey(key: string) {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < MIN_CACHE_HMAC_KEY_BYTES) {
    throw new Error(`CACHE_HMAC_KEY has ${bytes} bytes; at least ${MIN_CACHE_HMAC_KEY_BYTES} are required (make one with: openssl rand -base64 48)`);
  }
}
