import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';

/** The state of one dependency, as /statusz reports it. */
export interface DependencyStatus {
  ok: boolean;
  detail?: string;
}

export interface OpsServerSettings {
  host: string;
  port: number;
  service: string;
  registry: Registry;
  /** Checks of the dependencies, run on every GET /statusz (never for /readyz). */
  dependencies?: () => Promise<Record<string, DependencyStatus>>;
}

/**
 * The plain-HTTP operations port of every app: /livez (the process answers), /readyz (the app's
 * own listeners are up; never its dependencies, so one broken validator cannot make every webhook
 * pod unready), /statusz (each dependency, as JSON) and /metrics (Prometheus).
 */
export class OpsServer {
  private readonly server: Server;
  private ready = false;

  constructor(private readonly settings: OpsServerSettings) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${e.message}\n`);
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.port, this.settings.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  setReady(ready: boolean) {
    this.ready = ready;
  }

  async close(): Promise<void> {
    this.ready = false;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    switch (req.url?.split('?')[0]) {
      case '/livez':
        return send(res, 200, 'ok\n');
      case '/readyz':
        return this.ready ? send(res, 200, 'ok\n') : send(res, 503, 'not ready\n');
      case '/statusz': {
        const dependencies = (await this.settings.dependencies?.()) ?? {};
        const body = { service: this.settings.service, ready: this.ready, dependencies };
        return send(res, 200, `${JSON.stringify(body)}\n`, 'application/json');
      }
      case '/metrics':
        return send(res, 200, await this.settings.registry.metrics(), this.settings.registry.contentType);
      default:
        return send(res, 404, 'not found\n');
    }
  }
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
