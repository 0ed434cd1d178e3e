import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo';

/** The five apps, in the order they start (management last: it calls the others). */
export const APPS = ['validator-cosign', 'validator-notaryv1', 'validator-notation', 'alerting', 'management'] as const;
export type AppName = (typeof APPS)[number];

export interface StackPorts {
  webhook: number;
  ops: Record<AppName, number>;
  grpc: Record<Exclude<AppName, 'management'>, number>;
}

/** ARCHITECTURE.md "Services, ports, environment": the local stack's loopback ports. */
export const DEFAULT_PORTS: StackPorts = {
  webhook: 5000,
  ops: { management: 9090, 'validator-cosign': 9091, 'validator-notaryv1': 9092, 'validator-notation': 9093, alerting: 9094 },
  grpc: { 'validator-cosign': 50051, 'validator-notaryv1': 50052, 'validator-notation': 50053, alerting: 50054 },
};

export interface LocalStackOptions {
  /** The configuration file every app reads. */
  config: string;
  ports?: StackPorts;
  /** Extra environment for every app (e.g. REDIS_URL, TLS_CERT). */
  env?: Record<string, string>;
  /** Per-app extra environment. */
  appEnv?: Partial<Record<AppName, Record<string, string>>>;
  /** Which apps to run (default: all five). */
  apps?: readonly AppName[];
  /** Write each app's output to <logDir>/<app>.log instead of this process's stdout. */
  logDir?: string;
  /** How long an app may take to become ready. */
  readyTimeoutMs?: number;
}

interface RunningApp {
  name: AppName;
  child: ChildProcess;
  logFile?: string;
  exited: Promise<number | null>;
}

/**
 * Runs the apps as separate processes on loopback, with real gRPC between them, from the build
 * in dist/. Used by `npm start`, the end-to-end tests and the benchmark.
 */
export class LocalStack {
  private constructor(
    readonly ports: StackPorts,
    private readonly running: RunningApp[],
  ) {}

  get webhookUrl(): string {
    return `https://127.0.0.1:${this.ports.webhook}/mutate`;
  }

  opsUrl(app: AppName): string {
    return `http://127.0.0.1:${this.ports.ops[app]}`;
  }

  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const ports = options.ports ?? DEFAULT_PORTS;
    const apps = APPS.filter((a) => (options.apps ?? APPS).includes(a));
    const common: Record<string, string> = {
      CONNAISSEUR_CONFIG: options.config,
      BIND_ADDRESS: '127.0.0.1',
      VALIDATOR_COSIGN_ADDRESS: `127.0.0.1:${ports.grpc['validator-cosign']}`,
      VALIDATOR_NOTARYV1_ADDRESS: `127.0.0.1:${ports.grpc['validator-notaryv1']}`,
      VALIDATOR_NOTATION_ADDRESS: `127.0.0.1:${ports.grpc['validator-notation']}`,
      ALERTING_ADDRESS: `127.0.0.1:${ports.grpc.alerting}`,
      ...options.env,
    };
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });

    const running: RunningApp[] = [];
    const stack = new LocalStack(ports, running);
    try {
      // The services first, then management, each ready before the next group starts.
      for (const group of [apps.filter((a) => a !== 'management'), apps.filter((a) => a === 'management')]) {
        const started = group.map((name) => {
          const app = startApp(name, {
            ...common,
            ...(name === 'management' ? { PORT: String(ports.webhook) } : { GRPC_PORT: String(ports.grpc[name]) }),
            OPS_PORT: String(ports.ops[name]),
            ...options.appEnv?.[name],
          }, options.logDir);
          running.push(app);
          return app;
        });
        await Promise.all(started.map((app) => waitReady(app, stack.opsUrl(app.name), options.readyTimeoutMs ?? 30_000)));
      }
    } catch (e) {
      await stack.stop();
      throw e;
    }
    return stack;
  }

  /** Stops one app (SIGTERM) and waits for it, e.g. to test what happens when a service is down. */
  async stopApp(name: AppName): Promise<void> {
    const app = this.running.find((a) => a.name === name);
    if (app) await terminate(app);
  }

  async stop(): Promise<void> {
    // Management first, so it stops taking requests before the services go.
    await Promise.all([...this.running].reverse().map((app) => terminate(app)));
  }
}

function startApp(name: AppName, env: Record<string, string>, logDir?: string): RunningApp {
  const script = join(repoRoot, 'dist/apps', name, 'src/main.js');
  const logFile = logDir ? join(logDir, `${name}.log`) : undefined;
  // The app writes its log file itself (no pipe through this process, which may be a load generator).
  const fd = logFile ? openSync(logFile, 'a') : undefined;
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: fd === undefined ? 'inherit' : ['ignore', fd, fd],
  });
  if (fd !== undefined) closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, logFile, exited };
}

async function waitReady(app: RunningApp, opsUrl: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void app.exited.then((code) => (exitCode = code));
  while (Date.now() < until) {
    if (exitCode !== undefined) throw new Error(`${app.name} exited with code ${exitCode} before it was ready${tail(app)}`);
    try {
      const res = await fetch(`${opsUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${app.name} was not ready within ${timeoutMs} ms${tail(app)}`);
}

function tail(app: RunningApp): string {
  if (!app.logFile) return '';
  try {
    return `; last output:\n${readFileSync(app.logFile, 'utf8').split('\n').slice(-15).join('\n')}`;
  } catch {
    return '';
  }
}

async function terminate(app: RunningApp): Promise<void> {
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGTERM');
    const killer = setTimeout(() => app.child.kill('SIGKILL'), 5_000);
    await app.exited;
    clearTimeout(killer);
  }
}
