import { Agent, request } from 'node:https';

export interface LatencyResult {
  name: string;
  p50: number;
  p99: number;
}

/** One POST of `body` over `agent`, timed with the high-resolution clock (ms); anything but HTTP 200 fails. */
export function timedPost(url: string, agent: Agent, body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sequential requests over one kept-alive connection, timed with the high-resolution clock:
 * what one admission costs without queueing (autocannon reports whole milliseconds only).
 */
export async function sequentialLatency(name: string, url: string, body: string, count: number, ca?: string): Promise<LatencyResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, rejectUnauthorized: false });
  const once = () => timedPost(url, agent, body);
  for (let i = 0; i < Math.min(500, count); i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await once());
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { name, p50: round(at(0.5)), p99: round(at(0.99)) };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
