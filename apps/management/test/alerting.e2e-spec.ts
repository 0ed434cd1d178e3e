import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { admissionReview, AlertReceiver, readStatusz, TestStack } from '@connaisseur-mesh/testing';

/** Static rules only: official Docker Hub images are admitted, everything else is denied. */
const POLICY = {
  validators: [
    { name: 'allow', type: 'static', approve: true },
    { name: 'deny', type: 'static', approve: false },
  ],
  policy: [
    { pattern: '*:*', validator: 'deny' },
    { pattern: 'docker.io/library/*:*', validator: 'allow' },
  ],
};
const ADMITTED = { images: ['nginx:1.27'] };
const DENIED = { images: ['nginx:1.27', 'ghcr.io/example/app:1'], initImages: ['busybox:1.36'] };
const DENY_MESSAGE = 'static deny for image ghcr.io/example/app:1 using rule *:*';
const MANAGEMENT_POD = 'connaisseur-mesh-management-7f9c-0';

const receivers = {
  start: (n: number, tls = false) => Promise.all(Array.from({ length: n }, () => AlertReceiver.start({ tls }))),
  reset: (all: AlertReceiver[]) => all.forEach((r) => (r.clear(), r.answer({ status: 200, body: 'ok' }))),
};
const stopAll = async (stack: TestStack | undefined, all: AlertReceiver[]) => {
  // Receivers first: alerts still hanging on them end at once, so the stack stops quickly.
  await Promise.all(all.map((r) => r.stop()));
  await stack?.stop();
};
/** Management and alerting, as processes, with the static policy and `config` on top. */
const startStack = (config: Record<string, unknown>, appEnv?: Parameters<typeof TestStack.start>[0]['appEnv']) =>
  TestStack.start({ config: { ...POLICY, ...config }, apps: ['alerting', 'management'], appEnv });
const sortedKeys = (payload: Record<string, unknown>) => Object.keys(payload).sort();
const statuszOf = (stack: TestStack) => readStatusz(stack.stack.opsUrl('management'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('alerts through the local stack', () => {
  let slack: AlertReceiver;
  let opsgenie: AlertReceiver;
  let keybase: AlertReceiver;
  let msteams: AlertReceiver;
  let ecs: AlertReceiver;
  let all: AlertReceiver[];
  let stack: TestStack;

  beforeAll(async () => {
    [slack, keybase, msteams, ecs] = await receivers.start(4);
    [opsgenie] = await receivers.start(1, true);
    all = [slack, opsgenie, keybase, msteams, ecs];
    stack = await startStack(
      {
        alerting: {
          clusterIdentifier: 'e2e-cluster',
          admitRequest: {
            receivers: [
              { template: 'slack', receiverUrl: slack.url('/services/T0/B0/slack-secret') },
              {
                template: 'opsgenie',
                receiverUrl: opsgenie.url('/v2/alerts'),
                priority: 4,
                customHeaders: ['Authorization: GenieKey genie-secret'],
                payloadFields: { tags: ['e2e'] },
                failIfAlertSendingFails: true,
              },
            ],
          },
          rejectRequest: {
            receivers: [
              { template: 'keybase', receiverUrl: keybase.url('/webhookbot/keybase-secret') },
              { template: 'msteams', receiverUrl: msteams.url('/webhook') },
              { template: 'ecs-1-12-0', receiverUrl: ecs.url('/ingest') },
            ],
          },
        },
      },
      {
        management: { POD_NAME: MANAGEMENT_POD },
        alerting: { POD_NAME: 'connaisseur-mesh-alerting-0', NODE_EXTRA_CA_CERTS: opsgenie.caFile! },
      },
    );
  });
  afterAll(() => stopAll(stack, all ?? []));
  beforeEach(() => receivers.reset(all));

  it('an admitted request reaches the admit receivers (plain and TLS) with their payload keys', async () => {
    const review = admissionReview({ ...ADMITTED, uid: 'uid-admit' });
    expect((await stack.review(review)).response.allowed).toBe(true);
    // The critical receiver was notified before the answer; the other one arrives in the background.
    expect(opsgenie.received).toHaveLength(1);
    await slack.waitFor(1);

    const genie = opsgenie.payloads[0];
    expect(sortedKeys(genie)).toEqual(['actions', 'alias', 'description', 'details', 'entity', 'message', 'priority', 'responders', 'tags', 'visibleTo']);
    expect(genie).toMatchObject({
      message: 'CONNAISSEUR admitted a request',
      priority: 'P4',
      tags: ['e2e'],
      details: { pod: MANAGEMENT_POD, cluster: 'e2e-cluster', namespace: 'default', request_id: 'uid-admit' },
    });
    expect(opsgenie.received[0].headers).toMatchObject({ authorization: 'GenieKey genie-secret', 'content-type': 'application/json' });
    expect(opsgenie.received[0].path).toBe('/v2/alerts');

    const message = slack.payloads[0];
    expect(sortedKeys(message)).toEqual(['blocks', 'text']);
    expect(message.text).toBe('CONNAISSEUR admitted a request');
    expect(JSON.stringify(message.blocks)).toContain(`Details are in the logs of \`${MANAGEMENT_POD}\``);
    expect([keybase, msteams, ecs].map((r) => r.received.length)).toEqual([0, 0, 0]);
  });

  it('a rejected request reaches the reject receivers, with the reason and every image of the request', async () => {
    const result = await stack.review(admissionReview({ ...DENIED, uid: 'uid-reject', namespace: 'team-a' }));
    expect(result.response).toMatchObject({ allowed: false, status: { message: DENY_MESSAGE } });
    await Promise.all([keybase, msteams, ecs].map((r) => r.waitFor(1)));
    const alert = `CONNAISSEUR rejected a request: ${DENY_MESSAGE}`;
    const images = 'nginx:1.27, ghcr.io/example/app:1, busybox:1.36';

    expect(sortedKeys(keybase.payloads[0])).toEqual(['msg']);
    expect(keybase.payloads[0].msg).toContain(`*${alert}*`);
    expect(keybase.payloads[0].msg).toContain(`*Images:* ${images}`);
    expect(sortedKeys(msteams.payloads[0])).toEqual(['@context', '@type', 'sections', 'summary', 'title']);
    expect(msteams.payloads[0]).toMatchObject({ summary: alert, title: 'Connaisseur Alert' });
    expect(sortedKeys(ecs.payloads[0])).toEqual(['agent', 'container', 'ecs', 'event', 'orchestrator']);
    expect(ecs.payloads[0]).toMatchObject({
      event: { action: alert, id: 'uid-reject', type: 'denied', severity: 3 },
      agent: { id: MANAGEMENT_POD },
      orchestrator: { namespace: 'team-a', cluster: { name: 'e2e-cluster' } },
      container: { image: { name: images } },
    });
    expect([slack, opsgenie].map((r) => r.received.length)).toEqual([0, 0]);
  });

  it('a failing receiver with failIfAlertSendingFails denies, naming it (<template>-<index in its stream>)', async () => {
    opsgenie.answer({ status: 500, body: 'opsgenie is down' });
    const result = await stack.review(admissionReview(ADMITTED));
    expect(result.response).toMatchObject({
      allowed: false,
      status: {
        message: 'error sending notifications: failed sending a notification for receiver opsgenie-1 with FailOnError set: HTTP 500: opsgenie is down (after 3 attempts)',
      },
    });
    expect(result.patch).toBeUndefined();
  });

  it('a failing receiver without it does not', async () => {
    slack.answer({ status: 500, body: 'slack is down' });
    expect((await stack.review(admissionReview(ADMITTED))).response.allowed).toBe(true);
    await slack.waitFor(1);
  });

  it('a receiver without failIfAlertSendingFails that hangs adds less than 200 ms to the admission', async () => {
    const time = async () => {
      const started = performance.now();
      expect((await stack.review(admissionReview(ADMITTED))).response.allowed).toBe(true);
      return performance.now() - started;
    };
    await time(); // warm-up
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) baseline.push(await time());
    slack.answer('hang');
    const hanging: number[] = [];
    for (let i = 0; i < 5; i++) hanging.push(await time());
    await slack.waitFor(11);
    expect(median(hanging) - median(baseline)).toBeLessThan(200);
  });

  it('counts the alerts on both sides, reports the alerting service in /statusz, and logs no secret', async () => {
    await stack.review(admissionReview(ADMITTED));
    const management = await (await fetch(`${stack.stack.opsUrl('management')}/metrics`)).text();
    expect(management).toMatch(/connaisseur_mesh_alerts_requested_total\{stream="admit",outcome="ok"\} [1-9]/);
    expect(management).toMatch(/connaisseur_mesh_alerts_requested_total\{stream="admit",outcome="receiver_failed"\} 1\n/);
    const alerting = await (await fetch(`${stack.stack.opsUrl('alerting')}/metrics`)).text();
    expect(alerting).toMatch(/connaisseur_mesh_alerts_delivered_total\{template="opsgenie",stream="admit",result="delivered"\} [1-9]/);
    expect(alerting).toMatch(/connaisseur_mesh_alerts_delivered_total\{template="keybase",stream="reject",result="delivered"\} 1\n/);

    expect((await statuszOf(stack)).dependencies).toEqual({ alerting: { ok: true } });

    for (const app of ['alerting', 'management']) {
      const log = readFileSync(join(stack.dir, 'logs', `${app}.log`), 'utf8');
      for (const secret of ['slack-secret', 'genie-secret', 'keybase-secret']) expect(log).not.toContain(secret);
    }
  });
});

describe('alerts within the admission deadline', () => {
  let critical: AlertReceiver;
  let background: AlertReceiver;
  let stack: TestStack;

  beforeAll(async () => {
    [critical, background] = await receivers.start(2);
    stack = await startStack({
      admission: { timeoutSeconds: 2 },
      alerting: {
        admitRequest: { receivers: [{ template: 'keybase', receiverUrl: critical.url('/hook'), failIfAlertSendingFails: true }] },
        rejectRequest: { receivers: [{ template: 'slack', receiverUrl: background.url('/hook') }] },
      },
    });
  });
  afterAll(() => stopAll(stack, [critical, background].filter(Boolean)));
  beforeEach(() => receivers.reset([critical, background]));

  it('cuts off a critical receiver that hangs and answers within the deadline, denying', async () => {
    critical.answer('hang');
    const started = performance.now();
    const result = await stack.review(admissionReview(ADMITTED));
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(result.response.allowed).toBe(false);
    expect(result.response.status?.message).toMatch(
      /^error sending notifications: failed sending a notification for receiver keybase-0 with FailOnError set: no answer within \d+ ms$/,
    );
  });

  it('with the alerting service down: critical receivers count as failed, the others change nothing', async () => {
    await stack.stack.stopApp('alerting');
    const address = `127.0.0.1:${stack.stack.ports.grpc.alerting}`;

    let started = performance.now();
    const admitted = await stack.review(admissionReview(ADMITTED));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(admitted.response.allowed).toBe(false);
    expect(admitted.response.status?.message).toMatch(
      new RegExp(`^error sending notifications: failed sending a notification for receiver keybase-0 with FailOnError set: the alerting service \\(${address}\\) is unavailable: `),
    );

    started = performance.now();
    const denied = await stack.review(admissionReview(DENIED));
    expect(performance.now() - started).toBeLessThan(200);
    expect(denied.response.status?.message).toBe(DENY_MESSAGE);

    expect((await statuszOf(stack)).dependencies.alerting).toMatchObject({ ok: false });
  });
});

describe('alerts in detection mode and podsOnly', () => {
  let keybase: AlertReceiver;
  let msteams: AlertReceiver;
  let stack: TestStack;

  beforeAll(async () => {
    [keybase, msteams] = await receivers.start(2);
    stack = await startStack({
      features: { detectionMode: true, resourceValidationMode: 'podsOnly' },
      alerting: {
        rejectRequest: {
          receivers: [
            { template: 'keybase', receiverUrl: keybase.url('/hook'), failIfAlertSendingFails: true },
            { template: 'msteams', receiverUrl: msteams.url('/hook') },
          ],
        },
      },
    });
  });
  afterAll(() => stopAll(stack, [keybase, msteams].filter(Boolean)));
  beforeEach(() => receivers.reset([keybase, msteams]));

  it('a would-be rejection goes to the reject receivers, flagged as admitted anyway', async () => {
    const result = await stack.review(admissionReview(DENIED));
    expect(result.response).toMatchObject({ allowed: true, warnings: ['detection mode active', DENY_MESSAGE] });
    await msteams.waitFor(1);
    const alert = `CONNAISSEUR rejected a request: ${DENY_MESSAGE} (admitted anyway: detection mode active)`;
    expect(keybase.payloads[0].msg).toContain(`*${alert}*`);
    expect(msteams.payloads[0].summary).toBe(alert);
  });

  it('podsOnly flags its own override', async () => {
    const result = await stack.review(admissionReview({ ...DENIED, kind: 'Deployment' }));
    expect(result.response).toMatchObject({ allowed: true, warnings: ['pod-only validation active', DENY_MESSAGE] });
    expect(keybase.payloads[0].msg).toContain('(admitted anyway: pod-only validation active)*');
  });

  it('a failed critical alert denies although detection mode would admit, keeping the reason', async () => {
    keybase.answer({ status: 503, body: 'unavailable' });
    const result = await stack.review(admissionReview(DENIED));
    expect(result.response.allowed).toBe(false);
    expect(result.response.warnings).toBeUndefined();
    expect(result.response.status?.message).toBe(
      `${DENY_MESSAGE}; error sending notifications: failed sending a notification for receiver keybase-0 with FailOnError set: HTTP 503: unavailable (after 3 attempts)`,
    );
  });
});
