import { ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { admissionReview, freePort, readMetric, RedisServer, startTestValidatorProcess, TestStack, TestStackOptions } from '@connaisseur-mesh/testing';
import { repoRoot } from '@connaisseur-mesh/local-stack';
import { HOSTILE_BODIES, HostileLoadResult, latencyUnderHostileLoad } from './hostile-load';
import { LoadResult, measure } from './run-load';
import { LatencyResult, sequentialLatency } from './sequential';

/**
 * `npm run bench`: AdmissionReviews posted to the real local stack (autocannon; 3 s warm-up, then
 * 10 s at 32 connections), next to a bare Node HTTPS server that parses the same review (this
 * machine's limit), and a normal review's latency while 20 hostile bodies are in flight. Results go
 * to docs/benchmarks.md by hand, with the machine and date.
 * BENCH_QUICK=1 shortens every run (a smoke test of the benchmark itself, not a measurement).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const LOAD = QUICK ? { connections: 32, warmupSeconds: 1, seconds: 2 } : { connections: 32, warmupSeconds: 3, seconds: 10 };
const SEQUENTIAL_REQUESTS = QUICK ? 300 : 3000;
/** Hostile bodies kept in flight while a normal review's latency is sampled. */
const HOSTILE = QUICK ? { concurrency: 20, seconds: 3 } : { concurrency: 20, seconds: 10 };
const SIGNED = 'securesystemsengineering/alice-image:test';

/** Static allow for everything but alice-image, which goes to the validator over gRPC. */
function benchConfig(validatorAddress: string, expirySeconds: number) {
  return {
    validators: [
      { name: 'allow', type: 'static', approve: true },
      { name: 'mock', type: 'external', address: validatorAddress },
    ],
    policy: [
      { pattern: '*:*', validator: 'allow' },
      { pattern: 'docker.io/securesystemsengineering/alice-image', validator: 'mock' },
    ],
    features: { automaticChildApproval: false, cache: { expirySeconds } },
  };
}

interface Scenario {
  name: string;
  review: string;
}

async function main() {
  const validator = await startTestValidatorProcess(await freePort());
  const [barePort, fastifyPort] = [await freePort(), await freePort()];
  const bare = await startBare(barePort, 'node');
  const bareFastify = await startBare(fastifyPort, 'fastify');
  const redis = await RedisServer.start({ password: 'bench' });
  const staticReview = JSON.stringify(admissionReview({ images: ['nginx:1.27'] }));
  const signedReview = JSON.stringify(admissionReview({ images: [SIGNED] }));
  const results: LoadResult[] = [];
  const latencies: LatencyResult[] = [];
  const validatorCalls: string[] = [];
  const underAttack: HostileLoadResult[] = [];

  /** Load, then sequential latency, of each scenario on a stack started for them. */
  const run = async (options: TestStackOptions, scenarios: Scenario[]) => {
    const stack = await TestStack.start(options);
    try {
      for (const s of scenarios) results.push(await measure(s.name, stack.webhookUrl, s.review, LOAD));
      for (const s of scenarios) latencies.push(await sequentialLatency(s.name, stack.webhookUrl, s.review, SEQUENTIAL_REQUESTS, stack.ca));
      const calls = await readMetric(stack.opsUrl, 'connaisseur_mesh_validator_call_duration_seconds_count');
      validatorCalls.push(`${scenarios.map((s) => s.name).join(' + ')}: ${calls} validator calls`);
    } finally {
      await stack.stop();
    }
  };

  try {
    results.push(await measure('bare HTTPS server (machine limit)', `https://127.0.0.1:${barePort}/`, staticReview, LOAD));
    results.push(await measure('bare Fastify, no Nest, no logic', `https://127.0.0.1:${fastifyPort}/`, staticReview, LOAD));
    // No cache: every sequential request crosses the gRPC hop (concurrent ones of the same image share a call).
    await run({ config: benchConfig(validator.address, 0) }, [
      { name: 'static allow', review: staticReview },
      { name: 'one image via gRPC validator', review: signedReview },
    ]);
    // The cache outlives the run: one validation per image and process, the rest are hits.
    await run({ config: benchConfig(validator.address, 3600) }, [{ name: 'cache hit (in-memory)', review: signedReview }]);
    await run(
      {
        config: benchConfig(validator.address, 3600),
        env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PASSWORD: 'bench', CACHE_HMAC_KEY: 'bench-cache-hmac-key-of-32-bytes!' },
      },
      [{ name: 'cache hit (Redis)', review: signedReview }],
    );
    const stack = await TestStack.start({ config: benchConfig(validator.address, 0) });
    try {
      for (const [name, hostile] of [
        ['nothing else', undefined],
        [`${HOSTILE.concurrency} × 3 MiB of nested arrays`, HOSTILE_BODIES.deep()],
        [`${HOSTILE.concurrency} × 17 MiB reviews (over the cap)`, HOSTILE_BODIES.oversized()],
      ] as const) {
        underAttack.push(await latencyUnderHostileLoad(name, stack.webhookUrl, stack.ca, staticReview, hostile, HOSTILE));
      }
    } finally {
      await stack.stop();
    }
  } finally {
    await redis.stop();
    await validator.stop();
    bare.kill('SIGTERM');
    bareFastify.kill('SIGTERM');
  }
  report(results, latencies, validatorCalls, underAttack);
}

function report(results: LoadResult[], latencies: LatencyResult[], validatorCalls: string[], underAttack: HostileLoadResult[]) {
  const bare = results[0].requestsPerSecond;
  const cpu = cpus();
  process.stdout.write(`\n${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}\n\n`);
  process.stdout.write('| scenario | requests/s | × bare | p50 ms | p99 ms | non-2xx | errors |\n|---|---|---|---|---|---|---|\n');
  for (const r of results) {
    const ratio = (r.requestsPerSecond / bare).toFixed(2);
    process.stdout.write(`| ${r.name} | ${r.requestsPerSecond} | ${ratio} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |\n`);
  }
  process.stdout.write(`\nSequential, one connection, ${SEQUENTIAL_REQUESTS} requests:\n\n| scenario | p50 ms | p99 ms |\n|---|---|---|\n`);
  for (const l of latencies) process.stdout.write(`| ${l.name} | ${l.p50} | ${l.p99} |\n`);
  process.stdout.write(`\ngRPC hop at p50: +${(latencies[1].p50 - latencies[0].p50).toFixed(3)} ms\n`);
  process.stdout.write(`\nValidator calls per stack (one per image and process expected with the cache):\n${validatorCalls.map((c) => `- ${c}`).join('\n')}\n`);
  process.stdout.write(`\nStatic allow, sequential for ${HOSTILE.seconds} s, while hostile bodies are in flight:\n\n`);
  process.stdout.write('| in flight besides | answered | p50 ms | p99 ms | max ms | hostile requests got |\n|---|---|---|---|---|---|\n');
  for (const r of underAttack) {
    const hostile = Object.entries(r.hostile).map(([outcome, n]) => `${n} × ${outcome}`).join(', ') || '—';
    process.stdout.write(`| ${r.name} | ${r.answered} | ${r.p50} | ${r.p99} | ${r.max} | ${hostile} |\n`);
  }
}

async function startBare(port: number, kind: 'node' | 'fastify'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/bench/bare-server.js'), String(port), kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
