import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCertificates } from './test-certificates';
import { httpStatus } from './https-client';
import { freePort } from './ports';

export interface RegistryServerOptions {
  /** htpasswd Basic auth with these credentials. */
  basicAuth?: { username: string; password: string };
  /** Serve HTTPS with these certificates. */
  tls?: TestCertificates;
}

/**
 * A real OCI registry (CNCF distribution 2.8, Debian package docker-registry) on a free loopback
 * port, with filesystem storage in a temporary folder; optionally with Basic auth and TLS.
 */
export class RegistryServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    readonly options: RegistryServerOptions,
  ) {}

  static async start(options: RegistryServerOptions = {}): Promise<RegistryServer> {
    const dir = mkdtempSync(join(tmpdir(), 'cm-registry-'));
    mkdirSync(join(dir, 'data'));
    const port = await freePort();
    const lines = [
      'version: 0.1',
      'log: {level: warn, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: connaisseur-mesh-test',
    ];
    if (options.tls) lines.push(`  tls: {certificate: ${options.tls.certFile}, key: ${options.tls.keyFile}}`);
    if (options.basicAuth) {
      const htpasswd = execFileSync('htpasswd', ['-Bbn', options.basicAuth.username, options.basicAuth.password]).toString();
      writeFileSync(join(dir, 'htpasswd'), htpasswd);
      lines.push(`auth: {htpasswd: {realm: connaisseur-mesh-test, path: ${join(dir, 'htpasswd')}}}`);
    }
    writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
    // docker-registry reads every REGISTRY_* variable as a config override: pass none.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const log = openSync(join(dir, 'registry.log'), 'a');
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', log, log] });
    const server = new RegistryServer(child, port, dir, options);
    await server.waitReady();
    return server;
  }

  /** host:port, as an image reference's registry part. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.host}`;
  }

  private async waitReady(): Promise<void> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`docker-registry exited with ${this.child.exitCode} (log: ${this.dir}/registry.log)`);
      try {
        await httpStatus(`${this.url}/v2/`, this.options.tls?.ca);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('docker-registry did not start');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
