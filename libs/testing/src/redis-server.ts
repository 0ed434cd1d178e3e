import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { makeTestCertificates, TestCertificates } from './test-certificates';

export interface RedisServerOptions {
  password?: string;
  /** Also serve TLS (rediss://) with a certificate of a throwaway CA. */
  tls?: boolean;
}

/**
 * A real redis-server (Debian package `redis-server`) on free loopback ports, its config, data and
 * log in a temporary folder. It can be killed (SIGKILL, as a crash) and started again on the same
 * ports. The plain port is always open: the harness checks readiness there.
 */
export class RedisServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly tlsPort: number | undefined,
    readonly password: string | undefined,
    readonly certificates: TestCertificates | undefined,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'cm-redis-'));
    const certificates = options.tls ? makeTestCertificates() : undefined;
    const server = new RedisServer(dir, await freePort(), certificates ? await freePort() : undefined, options.password, certificates);
    const lines = [
      'bind 127.0.0.1',
      `port ${server.port}`,
      'daemonize no',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      `logfile ${join(dir, 'redis.log')}`,
    ];
    if (certificates) {
      lines.push(
        `tls-port ${server.tlsPort}`,
        `tls-cert-file ${certificates.certFile}`,
        `tls-key-file ${certificates.keyFile}`,
        `tls-ca-cert-file ${certificates.caFile}`,
        'tls-auth-clients no',
      );
    }
    if (options.password) lines.push(`requirepass ${options.password}`);
    writeFileSync(join(dir, 'redis.conf'), `${lines.join('\n')}\n`);
    await server.run();
    return server;
  }

  /** redis://… (plain) with the password, if any. */
  get url(): string {
    return `redis://${this.password ? `:${encodeURIComponent(this.password)}@` : ''}127.0.0.1:${this.port}`;
  }

  /** rediss://… on the TLS port, without the password (pass it as REDIS_PASSWORD). */
  get tlsUrl(): string {
    if (!this.tlsPort) throw new Error('this Redis has no TLS port');
    return `rediss://127.0.0.1:${this.tlsPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it again after stop() or kill(), on the same ports (with no data). */
  async restart(): Promise<void> {
    if (!this.running) await this.run();
  }

  /** SIGKILL, as a crash or an evicted pod. */
  async kill(): Promise<void> {
    await this.end('SIGKILL');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.end('SIGTERM');
  }

  /** SIGSTOP: connections stay open but nothing answers (a hung or overloaded Redis). */
  pause() {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  resume() {
    if (this.running) this.child!.kill('SIGCONT');
  }

  private async run(): Promise<void> {
    const child = spawn('redis-server', [join(this.dir, 'redis.conf')], { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (!this.running) break;
      if (await answersPing(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.end('SIGKILL');
    throw new Error(`redis-server did not start; log:\n${this.log()}`);
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child!.kill(signal);
    await this.exited;
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  }
}

/** PONG, or NOAUTH when a password is required: either way the server is up. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString('utf8')));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
