import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** The fixed load of `npm run bench`: warm-up, then the measured run, both at `connections`. */
export async function measure(
  name: string,
  url: string,
  body: string,
  options: { connections: number; warmupSeconds: number; seconds: number },
): Promise<LoadResult> {
  const run = (duration: number) =>
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: options.connections,
      duration,
    });
  await run(options.warmupSeconds);
  const result = await run(options.seconds);
  return {
    name,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
