import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { ALERTING_SERVICE, healthClient, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';
import { APPS, LocalStack, StackPorts } from '@connaisseur-mesh/local-stack';
import { callValidator, freePorts, httpsRequest, readStatusz, repoRoot } from '@connaisseur-mesh/testing';

/**
 * The local stack as `npm start` runs it: config/connaisseur.yaml, a self-signed webhook
 * certificate made at start, five processes. The README's table of example decisions is checked
 * against what the stack answers.
 */
describe('the local stack (npm start)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    const p = await freePorts(10);
    const ports: StackPorts = {
      webhook: p[0],
      ops: { management: p[1], 'validator-cosign': p[2], 'validator-notaryv1': p[3], 'validator-notation': p[4], alerting: p[5] },
      grpc: { 'validator-cosign': p[6], 'validator-notaryv1': p[7], 'validator-notation': p[8], alerting: p[9] },
    };
    stack = await LocalStack.start({ config: join(repoRoot, 'config/connaisseur.yaml'), ports, logDir: join(repoRoot, '.tmp/local-stack-e2e') });
  });
  afterAll(() => stack?.stop());

  // | `examples/x.json` | allowed | or | `examples/x.json` | denied: `message` |
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(examples\/[^`]+\.json)` \| (allowed|denied: `(.+)`) \|$/gm)].map((m) => ({
    file: m[1],
    allowed: m[2] === 'allowed',
    message: m[3],
  }));

  it('the README lists a decision for every example', () => {
    expect(rows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(rows)('$file is $allowed as the README says', async ({ file, allowed, message }) => {
    // No CA: the certificate is the self-signed one management made at start.
    const result = await httpsRequest(stack.webhookUrl, {
      body: readFileSync(join(repoRoot, file)),
      contentType: 'application/json',
    });
    expect(result.status).toBe(200);
    const response = JSON.parse(result.text).response;
    expect(response.allowed).toBe(allowed);
    expect(response.status?.message).toBe(message);
  });

  it.each(APPS)('%s serves /livez, /readyz, /statusz and /metrics on its ops port', async (app) => {
    const ops = stack.opsUrl(app);
    expect((await fetch(`${ops}/livez`)).status).toBe(200);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    const statusz = await readStatusz(ops);
    expect(statusz).toMatchObject({ service: app, ready: true });
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it("reports the validator services' gRPC health in management's /statusz", async () => {
    const statusz = await readStatusz(stack.opsUrl('management'));
    // The shipped config has static validators only: no validator service is a dependency.
    expect(statusz.dependencies).toEqual({});
  });

  it.each(['validator-cosign', 'validator-notaryv1', 'validator-notation', 'alerting'] as const)(
    '%s serves grpc.health.v1',
    async (app) => {
      const health = healthClient(`127.0.0.1:${stack.ports.grpc[app]}`);
      const service = app === 'alerting' ? ALERTING_SERVICE : VALIDATOR_SERVICE;
      await expect(health.check(service, 2_000)).resolves.toBe('SERVING');
      await expect(health.check('', 2_000)).resolves.toBe('SERVING');
      health.close();
    },
  );

  const image = { original: 'nginx', registry: 'index.docker.io', repository: 'library/nginx', tag: 'latest', digest: '' };

  it.each(['validator-notaryv1', 'validator-notation'] as const)(
    '%s answers ValidateImage with UNIMPLEMENTED until it is built (nothing pretends to verify)',
    async (app) => {
      const result = await callValidator(`127.0.0.1:${stack.ports.grpc[app]}`, { image, validatorName: 'x' });
      expect(result).toEqual({ error: { code: status.UNIMPLEMENTED, details: expect.stringContaining('not implemented yet') } });
    },
  );

  it('validator-cosign answers FAILED_PRECONDITION for a validator it does not have', async () => {
    const result = await callValidator(`127.0.0.1:${stack.ports.grpc['validator-cosign']}`, { image, validatorName: 'x' });
    expect(result).toEqual({ error: { code: status.FAILED_PRECONDITION, details: 'validator-cosign has no cosign validator named "x"' } });
  });
});
