import { sendUnaryData, Server, ServerCredentials, ServerUnaryCall } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { parseConfig } from '@connaisseur-mesh/config';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { ALERTING_PROTO, ALERTING_SERVICE, packageDefinition } from '@connaisseur-mesh/grpc';
import { createLogger } from '@connaisseur-mesh/observability';
import type { ManagementEnv } from '../config/management.env';
import { AdmissionAlert, AlertsService } from './alerts.service';

type Answer = (request: alertingV1.SendAlertRequest) => alertingV1.SendAlertResponse | 'hang';

/**
 * A stand-in at the gRPC level for what the real service cannot be made to do on purpose: hang
 * without dying, or run with another configuration than management's. The real service is in
 * the end-to-end tests.
 */
async function alertingStandIn(answer: Answer) {
  const requests: alertingV1.SendAlertRequest[] = [];
  const server = new Server();
  server.addService(packageDefinition(ALERTING_PROTO)[ALERTING_SERVICE] as Parameters<Server['addService']>[0], {
    SendAlert: (call: ServerUnaryCall<alertingV1.SendAlertRequest, unknown>, callback: sendUnaryData<unknown>) => {
      requests.push(call.request);
      const response = answer(call.request);
      if (response !== 'hang') callback(null, response);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, requests, stop: () => server.forceShutdown() };
}

const alerting = {
  admitRequest: { receivers: [{ template: 'opsgenie', receiverUrl: 'https://x.example', failIfAlertSendingFails: true }] },
  rejectRequest: { receivers: [{ template: 'slack', receiverUrl: 'https://x.example' }] },
};

const logger = createLogger({ service: 'management', pod: 'test', destination: { write: () => undefined } });
const service = (address: string) =>
  new AlertsService(parseConfig(stringify({ alerting })), { alertingAddress: address } as ManagementEnv, logger, new Registry());

const alert = (allowed: boolean, deadline = Date.now() + 1_000): AdmissionAlert => ({
  allowed,
  result: allowed ? 'success' : 'error',
  message: allowed ? undefined : 'static deny',
  requestUid: 'uid-1',
  kind: 'Pod',
  namespace: 'default',
  name: 'web',
  user: 'alice',
  images: ['nginx', 'redis'],
  detectionModeOverride: false,
  podsOnlyOverride: false,
  deadline,
});

describe('management alerts', () => {
  const started: Array<{ stop(): void }> = [];
  const services: AlertsService[] = [];
  const make = async (answer: Answer) => {
    const standIn = await alertingStandIn(answer);
    const alerts = service(standIn.address);
    started.push(standIn);
    services.push(alerts);
    return { standIn, alerts };
  };
  afterEach(() => {
    services.splice(0).forEach((s) => s.onModuleDestroy());
    started.splice(0).forEach((s) => s.stop());
  });

  it('sends the raw decision with every image and the deciding pod', async () => {
    const { standIn, alerts } = await make(() => ({ criticalResults: [{ receiver: 'opsgenie-0', delivered: true, error: '' }] }));
    await expect(alerts.send(alert(true))).resolves.toBeUndefined();
    expect(standIn.requests[0]).toMatchObject({
      stream: alertingV1.AlertStream.ALERT_STREAM_ADMIT,
      result: alertingV1.AlertResult.ALERT_RESULT_SUCCESS,
      requestUid: 'uid-1',
      images: ['nginx', 'redis'],
      user: 'alice',
      decidedByPod: expect.any(String),
    });
  });

  it('does not wait for a hung alerting service when the stream has no critical receiver', async () => {
    const { standIn, alerts } = await make(() => 'hang');
    const before = performance.now();
    await expect(alerts.send(alert(false))).resolves.toBeUndefined();
    expect(performance.now() - before).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 100));
    expect(standIn.requests).toHaveLength(1);
  });

  it('waits for a hung alerting service only until the admission deadline, then fails the critical receivers', async () => {
    const { alerts } = await make(() => 'hang');
    const before = Date.now();
    const failure = await alerts.send(alert(true, Date.now() + 300));
    expect(Date.now() - before).toBeLessThan(600);
    expect(failure).toMatch(
      /^error sending notifications: failed sending a notification for receiver opsgenie-0 with FailOnError set: the alerting service \(127\.0\.0\.1:\d+\) did not answer within the admission deadline$/,
    );
  });

  it('fails a critical receiver that the service does not report on (the two configurations differ)', async () => {
    const { alerts } = await make(() => ({ criticalResults: [] }));
    await expect(alerts.send(alert(true))).resolves.toBe(
      'error sending notifications: failed sending a notification for receiver opsgenie-0 with FailOnError set: the alerting service did not report on it',
    );
  });

  it('with the admission budget spent, fails the critical receivers at once and still sends the alert in the background', async () => {
    const { standIn, alerts } = await make(() => ({ criticalResults: [] }));
    const before = Date.now();
    await expect(alerts.send(alert(true, Date.now() - 1))).resolves.toBe(
      'error sending notifications: failed sending a notification for receiver opsgenie-0 with FailOnError set: no time was left in the admission budget to wait for it',
    );
    expect(Date.now() - before).toBeLessThan(100);
    for (let i = 0; i < 50 && standIn.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(standIn.requests).toHaveLength(1);
  });

  it('needs no alerting service without receivers', async () => {
    const alerts = new AlertsService(parseConfig('{}'), {} as ManagementEnv, logger, new Registry());
    await expect(alerts.send(alert(true))).resolves.toBeUndefined();
    await expect(alerts.dependencies()).resolves.toEqual({});
  });
});
