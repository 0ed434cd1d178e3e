import { get as httpGet } from 'node:http';
import { Agent, get as httpsGet, request } from 'node:https';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** POSTs like the API server does (or not, for the bad-input tests), trusting `ca`. */
export function httpsRequest(
  url: string,
  options: { method?: string; body?: string | Buffer; contentType?: string; ca?: string; agent?: Agent } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        ca: options.ca,
        rejectUnauthorized: options.ca !== undefined,
        agent: options.agent,
        headers: {
          ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }),
          ...(options.body === undefined ? {} : { 'content-length': Buffer.byteLength(options.body) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The status of a GET (http or https, trusting `ca`), for waiting until a server answers. */
export function httpStatus(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const done = (res: { statusCode?: number; resume(): void }) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = url.startsWith('https:') ? httpsGet(url, { ca, timeout: 1000 }, done) : httpGet(url, { timeout: 1000 }, done);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
