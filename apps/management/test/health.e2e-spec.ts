import { freePort, readMetric, readStatusz, TestStack } from '@connaisseur-mesh/testing';

/**
 * /readyz is management's own state; /statusz and connaisseur_mesh_dependency_up report each
 * dependency (ARCHITECTURE.md "Health"), so a broken validator or alerting service shows there and
 * never makes the webhook pods unready.
 */
describe("management's health endpoints", () => {
  let stack: TestStack;
  let deadAddress: string;

  beforeAll(async () => {
    deadAddress = `127.0.0.1:${await freePort()}`;
    stack = await TestStack.start({
      apps: ['alerting', 'management'],
      config: {
        validators: [{ name: 'gone', type: 'external', address: deadAddress }],
        policy: [{ pattern: '*:*', validator: 'gone' }],
        alerting: { rejectRequest: { receivers: [{ template: 'slack', receiverUrl: 'https://hooks.example/x' }] } },
      },
    });
  });
  afterAll(() => stack?.stop());

  const statusz = () => readStatusz(stack.opsUrl);

  it('a validator service that is down shows in /statusz and the metric, not in /readyz', async () => {
    expect((await fetch(`${stack.opsUrl}/readyz`)).status).toBe(200);
    const body = await statusz();
    expect(body.ready).toBe(true);
    expect(body.dependencies[`validator ${deadAddress}`]).toMatchObject({ ok: false, detail: expect.stringContaining(deadAddress) });
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_dependency_up', { dependency: `validator ${deadAddress}` })).toBe(0);
  });

  it('reports alerting (grpc.health.v1) when receivers are configured; no Redis without REDIS_URL', async () => {
    expect((await statusz()).dependencies.alerting).toEqual({ ok: true });
    expect((await statusz()).dependencies.redis).toBeUndefined();
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_dependency_up', { dependency: 'alerting' })).toBe(1);
  });

  it('alerting stopped: reported, management still ready', async () => {
    await stack.stack.stopApp('alerting');
    expect((await statusz()).dependencies.alerting.ok).toBe(false);
    expect(await readMetric(stack.opsUrl, 'connaisseur_mesh_dependency_up', { dependency: 'alerting' })).toBe(0);
    expect((await fetch(`${stack.opsUrl}/readyz`)).status).toBe(200);
  });
});
