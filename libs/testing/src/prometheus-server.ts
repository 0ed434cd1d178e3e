import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports';

export interface PrometheusOptions {
  /** host:port targets serving /metrics over plain HTTP (the apps' ops ports). */
  targets: string[];
  scrapeIntervalSeconds?: number;
}

/**
 * A real Prometheus (Debian package `prometheus`) on a free loopback port, scraping `targets` (job
 * `connaisseur-mesh`), its config and TSDB in a temporary folder; queried through its HTTP API.
 */
export class PrometheusServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'cm-prometheus-'));
    const port = await freePort();
    const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        scrape_configs: [{ job_name: 'connaisseur-mesh', static_configs: [{ targets: options.targets }] }],
      }),
    );
    mkdirSync(join(dir, 'data'));
    const log = openSync(join(dir, 'prometheus.log'), 'a');
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const server = new PrometheusServer(dir, port, child, exited);
    const until = Date.now() + 30_000;
    while (Date.now() < until && child.exitCode === null) {
      try {
        if ((await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok) return server;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop();
    throw new Error(`prometheus did not start; log:\n${server.log()}`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** An instant query: each series' labels and value. */
  async query(expression: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query ${expression}: ${body.error ?? res.status}`);
    return body.data!.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The sum of an expression's series (0 when there is none). */
  async value(expression: string): Promise<number> {
    return (await this.query(expression)).reduce((sum, r) => sum + r.value, 0);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  log(): string {
    return readFileSync(join(this.dir, 'prometheus.log'), 'utf8').split('\n').slice(-20).join('\n');
  }
}
