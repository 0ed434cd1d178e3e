import { Agent, request } from 'node:https';

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
