import { createServer as createHttpServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { makeTestCertificates } from './test-certificates';

export interface ReceivedAlert {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** How the receiver answers: a status code, or never (`hang`: it reads the request and stays silent). */
export type ReceiverAnswer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';
/** A fixed answer, or one per request (`index` counts from 0 since the last clear()). */
export type ReceiverBehaviour = ReceiverAnswer | ((index: number) => ReceiverAnswer);

/**
 * A real HTTP (or HTTPS) server standing in for Slack, Opsgenie & co. in tests: it records every
 * request and answers as told. With `tls`, its certificate comes from a CA made for it with the
 * openssl CLI; point the client at `caFile` (NODE_EXTRA_CA_CERTS for the alerting app).
 */
export class AlertReceiver {
  readonly received: ReceivedAlert[] = [];
  private behaviour: ReceiverBehaviour = { status: 200, body: 'ok' };
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly tls: boolean,
    /** The CA of an HTTPS receiver's certificate. */
    readonly caFile?: string,
  ) {}

  static async start(options: { tls?: boolean; behaviour?: ReceiverBehaviour } = {}): Promise<AlertReceiver> {
    let receiver: AlertReceiver | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => receiver!.handle(req, res);
    const files = options.tls ? makeTestCertificates() : undefined;
    const server = files ? createHttpsServer({ cert: files.cert, key: files.key }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    receiver = new AlertReceiver(server, (server.address() as AddressInfo).port, Boolean(files), files?.caFile);
    if (options.behaviour) receiver.answer(options.behaviour);
    return receiver;
  }

  /** The URL of `path` on this receiver (e.g. a Slack-like "/services/T000/B000/secret"). */
  url(path = '/'): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}${path}`;
  }

  answer(behaviour: ReceiverBehaviour) {
    this.behaviour = behaviour;
  }

  /** The request bodies parsed as JSON. */
  get payloads(): Array<Record<string, unknown>> {
    return this.received.map((r) => JSON.parse(r.body));
  }

  /** Resolves once `count` requests have arrived (background deliveries arrive after the admission). */
  async waitFor(count: number, timeoutMs = 5_000): Promise<ReceivedAlert[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`receiver got ${this.received.length} of ${count} alerts within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  clear() {
    this.received.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((wake) => wake());
      const answer = typeof this.behaviour === 'function' ? this.behaviour(this.received.length - 1) : this.behaviour;
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  }
}
