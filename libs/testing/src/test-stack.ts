import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { stringify } from 'yaml';
import { APPS, AppName, LocalStack, StackPorts } from '@connaisseur-mesh/local-stack';
import { httpsRequest, HttpResult } from './https-client';
import { freePorts } from './ports';

export interface TestStackOptions {
  /** The configuration, as an object (written to a temporary file) or YAML text. */
  config: unknown;
  env?: Record<string, string>;
  appEnv?: Partial<Record<AppName, Record<string, string>>>;
  apps?: readonly AppName[];
}

/** What the developer's shell may hold but a test must set itself (empty = unset for the apps). */
const ISOLATED_ENV = { REDIS_URL: '', REDIS_PASSWORD: '', REDIS_CA: '', CACHE_HMAC_KEY: '', KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' };

/**
 * The real local stack on free ports, with a webhook certificate made for the test (the client
 * verifies it), its logs in a temporary folder. For end-to-end tests and the benchmark.
 */
export class TestStack {
  private constructor(
    readonly stack: LocalStack,
    readonly dir: string,
    readonly ca: string,
  ) {}

  static async start(options: TestStackOptions): Promise<TestStack> {
    const dir = mkdtempSync(join(tmpdir(), 'cm-stack-'));
    const configFile = join(dir, 'connaisseur.yaml');
    writeFileSync(configFile, typeof options.config === 'string' ? options.config : stringify(options.config));
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    writeFileSync(join(dir, 'tls.crt'), pems.cert);
    writeFileSync(join(dir, 'tls.key'), pems.private);
    const stack = await LocalStack.start({
      config: configFile,
      ports: await pickPorts(),
      env: { ...ISOLATED_ENV, TLS_CERT: join(dir, 'tls.crt'), TLS_KEY: join(dir, 'tls.key'), ...options.env },
      appEnv: options.appEnv,
      apps: options.apps,
      logDir: join(dir, 'logs'),
    });
    return new TestStack(stack, dir, pems.cert);
  }

  get webhookUrl(): string {
    return this.stack.webhookUrl;
  }

  /** management's ops port (/livez, /readyz, /statusz, /metrics). */
  get opsUrl(): string {
    return this.stack.opsUrl('management');
  }

  /** What an app wrote to its log so far. */
  log(app: AppName = 'management'): string {
    return readFileSync(join(this.dir, 'logs', `${app}.log`), 'utf8');
  }

  /** POST /mutate with an AdmissionReview (object or raw text). */
  post(review: unknown, options: { contentType?: string; method?: string } = {}): Promise<HttpResult> {
    const body = typeof review === 'string' || Buffer.isBuffer(review) ? review : JSON.stringify(review);
    return httpsRequest(this.webhookUrl, { body, ca: this.ca, contentType: options.contentType ?? 'application/json', method: options.method });
  }

  /** POST and decode the AdmissionReview response (fails on anything but HTTP 200). */
  async review(review: unknown): Promise<ReviewResult> {
    const result = await this.post(review);
    if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.text}`);
    const body = JSON.parse(result.text);
    const response = body.response;
    return { ...body, response, patch: response.patch ? JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) : undefined };
  }

  stop(): Promise<void> {
    return this.stack.stop();
  }
}

export interface ReviewResult {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    patch?: string;
    patchType?: string;
    warnings?: string[];
  };
  /** The decoded JSON Patch, when there is one. */
  patch?: Array<{ op: string; path: string; value: string }>;
}

async function pickPorts(): Promise<StackPorts> {
  const p = await freePorts(10);
  const ops = Object.fromEntries(APPS.map((app, i) => [app, p[i]])) as StackPorts['ops'];
  return {
    webhook: p[5],
    ops,
    grpc: { 'validator-cosign': p[6], 'validator-notaryv1': p[7], 'validator-notation': p[8], alerting: p[9] },
  };
}
