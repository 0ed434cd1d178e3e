import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { APPS } from '@connaisseur-mesh/local-stack';
import {
  admissionReview,
  AlertReceiver,
  ALICE_DIGEST,
  PrometheusServer,
  RedisServer,
  repoRoot,
  TestAnswer,
  TestStack,
  TestValidator,
} from '@connaisseur-mesh/testing';

const { Verdict } = validatorV1;

/** signed.io verifies, slow.io never answers in time, the rest is rejected. */
const handler = async (request: validatorV1.ValidateImageRequest): Promise<TestAnswer> => {
  if (request.image?.registry === 'slow.io') await new Promise((r) => setTimeout(r, 4_000).unref());
  return request.image?.registry === 'signed.io'
    ? { verdict: Verdict.VERDICT_VERIFIED, digest: ALICE_DIGEST }
    : { verdict: Verdict.VERDICT_REJECTED, reason: 'no signature' };
};

interface Expectation {
  /** A PromQL selector of one series (or several, summed). */
  series: string;
  /** How much it grows over the admissions below (or, for gauges, its value afterwards). */
  delta: number;
  gauge?: boolean;
}

const ext = 'type="external",validator_name="ext"';

/**
 * A real Prometheus scrapes the local stack (all five ops ports). After a known set of admissions,
 * every metric of management and alerting documented in docs/metrics.md has grown by exactly the
 * expected amount, as Prometheus' HTTP API reports it. (The validators' metrics are checked against
 * a real registry in apps/validator-cosign/test.)
 */
describe('metrics scraped by a real Prometheus', () => {
  const validator = new TestValidator(handler);
  let redis: RedisServer;
  let stack: TestStack;
  let prometheus: PrometheusServer;
  let receiver: AlertReceiver;

  beforeAll(async () => {
    await validator.start();
    receiver = await AlertReceiver.start();
    redis = await RedisServer.start();
    stack = await TestStack.start({
      config: {
        validators: [
          { name: 'allow', type: 'static', approve: true },
          { name: 'deny', type: 'static' },
          { name: 'ext', type: 'external', address: validator.address },
        ],
        policy: [
          { pattern: '*:*', validator: 'ext' },
          { pattern: 'allowed.io/*', validator: 'allow' },
          { pattern: 'denied.io/*', validator: 'deny' },
        ],
        features: { automaticChildApproval: false, automaticUnchangedApproval: true },
        admission: { timeoutSeconds: 1 },
        alerting: {
          admitRequest: { receivers: [{ template: 'slack', receiverUrl: receiver.url('/admit') }] },
          rejectRequest: { receivers: [{ template: 'keybase', receiverUrl: receiver.url('/reject'), failIfAlertSendingFails: true }] },
        },
      },
      env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, CACHE_HMAC_KEY: 'prometheus-test-cache-hmac-key-32b' },
    });
    const targets = APPS.map((app) => `127.0.0.1:${stack.stack.ports.ops[app]}`);
    prometheus = await PrometheusServer.start({ targets });
    await eventually(async () => (await prometheus.value('sum(up{job="connaisseur-mesh"})')) === APPS.length, 'all five targets up');
  });
  afterAll(async () => {
    await prometheus?.stop();
    await stack?.stop();
    await redis?.stop();
    await validator.stop();
    await receiver?.stop();
  });

  const validatorDependency = () => `validator ${validator.address}`;
  const expectations = (): Expectation[] => [
    { series: 'connaisseur_mesh_requests_total', delta: 10 },
    { series: 'connaisseur_mesh_requests_admitted_total', delta: 5 },
    { series: 'connaisseur_mesh_requests_denied_total{timeout="false"}', delta: 3 },
    { series: 'connaisseur_mesh_requests_denied_total{timeout="true"}', delta: 1 },
    { series: `connaisseur_mesh_validations_total{${ext},result="success"}`, delta: 4 },
    { series: `connaisseur_mesh_validations_total{${ext},result="error"}`, delta: 2 },
    { series: 'connaisseur_mesh_validations_total{type="static",validator_name="allow",result="success"}', delta: 1 },
    { series: 'connaisseur_mesh_validations_total{type="static",validator_name="deny",result="error"}', delta: 1 },
    { series: `connaisseur_mesh_validations_skipped_total{${ext},reason="cache_hit"}`, delta: 1 },
    { series: `connaisseur_mesh_validations_skipped_total{${ext},reason="unchanged"}`, delta: 1 },
    { series: 'connaisseur_mesh_cache_operations_total{op="get",outcome="hit"}', delta: 1 },
    { series: 'connaisseur_mesh_cache_operations_total{op="get",outcome="miss"}', delta: 3 },
    { series: 'connaisseur_mesh_cache_operations_total{op="get",outcome="error"}', delta: 1 },
    { series: 'connaisseur_mesh_cache_operations_total{op="set",outcome="ok"}', delta: 2 },
    { series: 'connaisseur_mesh_cache_operations_total{op="set",outcome="error"}', delta: 1 },
    { series: 'connaisseur_mesh_admission_duration_seconds_count{result="success"}', delta: 3 },
    { series: 'connaisseur_mesh_admission_duration_seconds_count{result="skip"}', delta: 2 },
    { series: 'connaisseur_mesh_admission_duration_seconds_count{result="error"}', delta: 2 },
    { series: 'connaisseur_mesh_admission_duration_seconds_count{result="timeout"}', delta: 1 },
    { series: 'connaisseur_mesh_admission_duration_seconds_count{result="invalid"}', delta: 1 },
    { series: 'connaisseur_mesh_validator_call_duration_seconds_count{type="external",code="OK"}', delta: 3 },
    { series: 'connaisseur_mesh_validator_call_duration_seconds_count{type="external",code="DEADLINE_EXCEEDED"}', delta: 1 },
    { series: `connaisseur_mesh_dependency_up{dependency="${validatorDependency()}"}`, delta: 1, gauge: true },
    { series: 'connaisseur_mesh_dependency_up{dependency="redis"}', delta: 0, gauge: true },
    { series: 'connaisseur_mesh_dependency_up{dependency="alerting"}', delta: 1, gauge: true },
    // Alerts follow the raw decisions: 5 admitted, 4 rejected (the 405 is no decision).
    { series: 'connaisseur_mesh_alerts_requested_total{stream="admit",outcome="ok"}', delta: 5 },
    { series: 'connaisseur_mesh_alerts_requested_total{stream="reject",outcome="ok"}', delta: 4 },
    { series: 'connaisseur_mesh_alerts_delivered_total{template="slack",stream="admit",result="delivered"}', delta: 5 },
    { series: 'connaisseur_mesh_alerts_delivered_total{template="keybase",stream="reject",result="delivered"}', delta: 4 },
    { series: 'connaisseur_mesh_alert_delivery_duration_seconds_count{template="slack"}', delta: 5 },
    { series: 'connaisseur_mesh_alert_delivery_duration_seconds_count{template="keybase"}', delta: 4 },
  ];

  it('covers every metric of management and alerting that docs/metrics.md lists', () => {
    const docs = readFileSync(join(repoRoot, 'docs/metrics.md'), 'utf8');
    const sections = docs.slice(docs.indexOf('## management'), docs.indexOf('## validators')) + docs.slice(docs.indexOf('## alerting'));
    const documented = [...sections.matchAll(/^\| `(connaisseur_mesh_\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThanOrEqual(12);
    const covered = new Set(expectations().map((e) => e.series.replace(/(_count)?\{.*$/, '').replace(/_count$/, '')));
    expect(documented.filter((name) => !covered.has(name))).toEqual([]);
  });

  it('after a known set of admissions, each counter grew by the expected amount', async () => {
    const job = (series: string) => (series.includes('{') ? series.replace('{', '{job="connaisseur-mesh",') : `${series}{job="connaisseur-mesh"}`);
    const baseline = new Map<string, number>();
    for (const e of expectations()) baseline.set(e.series, e.gauge ? 0 : await prometheus.value(`sum(${job(e.series)})`));

    const review = (o: Parameters<typeof admissionReview>[0]) => stack.review(admissionReview(o));
    expect((await review({ images: ['signed.io/app-a:1'] })).response.allowed).toBe(true); // miss, call, set
    expect((await review({ images: ['signed.io/app-a:1'] })).response.allowed).toBe(true); // hit: skip
    expect((await review({ images: ['unsigned.io/app-b:1'] })).response.allowed).toBe(false); // miss, call, set (cacheErrors)
    expect((await review({ images: ['allowed.io/app-c:1'] })).response.allowed).toBe(true); // static
    expect((await review({ images: ['denied.io/app-d:1'] })).response.allowed).toBe(false); // static deny
    expect((await review({ operation: 'UPDATE', images: ['signed.io/app-e:1'] })).response.allowed).toBe(true); // unchanged: skip
    expect((await stack.post(admissionReview(), { method: 'GET' })).status).toBe(405);
    expect((await review({ images: ['slow.io/app-f:1'] })).response.status?.message).toMatch(/timed out/); // miss, call → DEADLINE_EXCEEDED
    await redis.kill();
    expect((await review({ images: ['signed.io/app-g:1'] })).response.allowed).toBe(true); // get error, call, set error
    expect((await review({ kind: 'Service', images: ['x'] })).response.allowed).toBe(false); // invalid

    let mismatches: string[] = [];
    await eventually(async () => {
      mismatches = [];
      for (const e of expectations()) {
        const value = await prometheus.value(`sum(${job(e.series)})`);
        const expected = baseline.get(e.series)! + e.delta;
        if (value !== expected) mismatches.push(`${e.series}: ${value}, expected ${expected}`);
      }
      return mismatches.length === 0;
    }, () => mismatches.join('\n'));
  });

  it('scrapes the process metrics of all five apps', async () => {
    const jobs = await prometheus.query('process_cpu_user_seconds_total{job="connaisseur-mesh"}');
    expect(jobs.map((r) => r.labels.instance).sort()).toEqual(APPS.map((app) => `127.0.0.1:${stack.stack.ports.ops[app]}`).sort());
  });
});

async function eventually(condition: () => Promise<boolean>, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
}
