import { ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { admissionReview, freePort, startTestValidatorProcess, TestStack } from '@connaisseur-mesh/testing';
import { repoRoot } from '@connaisseur-mesh/local-stack';
import { LoadResult, measure } from './run-load';
import { LatencyResult, sequentialLatency } from './sequential';

/**
 * `npm run bench`: AdmissionReviews posted to the real local stack (autocannon; 3 s warm-up, then
 * 10 s at 32 connections), next to a bare Node HTTPS server that parses the same review (this
 * machine's limit). Results go to docs/benchmarks.md by hand, with the machine and date.
 */
const LOAD = { connections: 32, warmupSeconds: 3, seconds: 10 };
const SEQUENTIAL_REQUESTS = 3000;

async function main() {
  const validator = await startTestValidatorProcess(await freePort());
  const barePort = await freePort();
  const bare = await startBare(barePort);
  const stack = await TestStack.start({
    config: {
      validators: [
        { name: 'allow', type: 'static', approve: true },
        { name: 'mock', type: 'external', address: validator.address },
      ],
      policy: [
        { pattern: '*:*', validator: 'allow' },
        { pattern: 'docker.io/securesystemsengineering/alice-image', validator: 'mock' },
      ],
      // Every request reaches the validator: no cache in this measurement.
      features: { automaticChildApproval: false, cache: { expirySeconds: 0 } },
    },
  });
  const staticReview = JSON.stringify(admissionReview({ images: ['nginx:1.27'] }));
  const grpcReview = JSON.stringify(admissionReview({ images: ['securesystemsengineering/alice-image:test'] }));
  const results: LoadResult[] = [];
  const latencies: LatencyResult[] = [];
  try {
    results.push(await measure('bare HTTPS server (machine limit)', `https://127.0.0.1:${barePort}/`, staticReview, LOAD));
    results.push(await measure('static allow', stack.webhookUrl, staticReview, LOAD));
    results.push(await measure('one image via gRPC validator', stack.webhookUrl, grpcReview, LOAD));
    latencies.push(await sequentialLatency('static allow', stack.webhookUrl, staticReview, SEQUENTIAL_REQUESTS, stack.ca));
    latencies.push(await sequentialLatency('one image via gRPC validator', stack.webhookUrl, grpcReview, SEQUENTIAL_REQUESTS, stack.ca));
  } finally {
    await stack.stop();
    await validator.stop();
    bare.kill('SIGTERM');
  }
  report(results, latencies);
}

function report(results: LoadResult[], latencies: LatencyResult[]) {
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
}

async function startBare(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/bench/bare-server.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
