import { Agent, request } from 'node:https';
import { timedPost } from './sequential';

export interface HostileLoadResult {
  name: string;
  /** Normal reviews answered during the run, and their latency. */
  answered: number;
  p50: number;
  p99: number;
  max: number;
  /** What the hostile requests got: HTTP status (or the error code) → count. */
  hostile: Record<string, number>;
}

const MiB = 1024 * 1024;

/** The hostile bodies of `npm run bench`: what a client that can reach the webhook port may send. */
export const HOSTILE_BODIES = {
  /** 3 MiB of nested arrays: about 0.6 s of JSON.parse on this machine before depth was bounded. */
  deep: () => Buffer.from('['.repeat(3 * MiB)),
  /** An AdmissionReview just over the 16 MiB body cap, its uid first as the API server writes it. */
  oversized: () => Buffer.from(JSON.stringify({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request: { uid: 'oversized', padding: 'x'.repeat(17 * MiB) } })),
};

/**
 * A normal review's latency (sequential, one kept-alive connection, for `seconds`) while
 * `concurrency` connections each post `hostile` again as soon as they are answered, so that that
 * many hostile bodies are always in flight.
 */
export async function latencyUnderHostileLoad(
  name: string,
  url: string,
  ca: string,
  review: string,
  hostile: Buffer | undefined,
  options: { concurrency: number; seconds: number },
): Promise<HostileLoadResult> {
  const outcomes: Record<string, number> = {};
  let running = true;
  const postHostile = (body: Buffer) =>
    new Promise<string>((resolve) => {
      const req = request(url, { method: 'POST', agent: false, ca, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      req.end(body);
    });
  const attackers = hostile
    ? Array.from({ length: options.concurrency }, async () => {
        while (running) {
          const outcome = await postHostile(hostile);
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }
      })
    : [];
  // Let the hostile bodies get under way before the first sample.
  if (hostile) await new Promise((resolve) => setTimeout(resolve, 1000));
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
  const samples: number[] = [];
  const until = Date.now() + options.seconds * 1000;
  try {
    while (Date.now() < until) samples.push(await timedPost(url, agent, review));
  } finally {
    running = false;
    agent.destroy();
    await Promise.all(attackers);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]);
  return { name, answered: samples.length, p50: at(0.5), p99: at(0.99), max: round(samples[samples.length - 1]), hostile: outcomes };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
