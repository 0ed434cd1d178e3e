import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { ALERTING_PROTO, ALERTING_SERVICE, CallError, ServiceChannel } from '@connaisseur-mesh/grpc';
import { parse } from 'yaml';
import { AlertReceiver, describeConformance, readConformance, TestStack } from '@connaisseur-mesh/testing';

/** A plain client of the alerting API, as any caller would use it. */
class AlertingApi extends ServiceChannel {
  constructor(address: string) {
    super(address, ALERTING_PROTO, ALERTING_SERVICE);
  }
  send(request: Partial<alertingV1.SendAlertRequest>, timeoutMs = 5_000): Promise<alertingV1.SendAlertResponse> {
    return this.call('SendAlert', request, new Date(Date.now() + timeoutMs));
  }
}

const rejection: Partial<alertingV1.SendAlertRequest> = {
  stream: alertingV1.AlertStream.ALERT_STREAM_REJECT,
  result: alertingV1.AlertResult.ALERT_RESULT_ERROR,
  message: 'static deny for image ghcr.io/example/app:1 using rule *:*',
  requestUid: 'uid-e2e',
  kind: 'Pod',
  namespace: 'team-a',
  name: 'app',
  user: 'alice',
  images: ['ghcr.io/example/app:1', 'docker.io/library/nginx:1.27'],
  decidedByPod: 'management-7f9c-0',
};

describe('the alerting service (process)', () => {
  it('does not start when a template is missing or cannot render, listing each problem with its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-templates-'));
    writeFileSync(join(dir, 'typo.json'), '{"text": "{{ alert_mesage }}"}');
    const url = 'https://alerts.example/hook';
    const started = TestStack.start({
      config: { alerting: { admitRequest: { receivers: [{ template: 'slak', receiverUrl: url }, { template: 'typo', receiverUrl: url }] } } },
      apps: ['alerting'],
      appEnv: { alerting: { ALERT_TEMPLATES_DIR: dir } },
    });
    const error = await started.then(() => new Error('started'), (e: Error) => e);
    expect(error.message).toContain('alerting exited with code 1 before it was ready');
    expect(error.message).toContain('  alerting.admitRequest.receivers[0].template: no template "slak"');
    expect(error.message).toContain(`  alerting.admitRequest.receivers[1].template: ${dir}/typo.json: line 1: unknown placeholder "{{ alert_mesage }}"`);
  });

  describe('running', () => {
    let receiver: AlertReceiver;
    let stack: TestStack;
    let api: AlertingApi;

    beforeAll(async () => {
      receiver = await AlertReceiver.start({ tls: true });
      stack = await TestStack.start({
        config: {
          alerting: {
            clusterIdentifier: 'e2e',
            rejectRequest: {
              receivers: [{ template: 'ecs-1-12-0', receiverUrl: receiver.url('/ingest'), priority: 2, failIfAlertSendingFails: true }],
            },
          },
        },
        apps: ['alerting'],
        appEnv: { alerting: { NODE_EXTRA_CA_CERTS: receiver.caFile!, POD_NAME: 'alerting-0' } },
      });
      api = new AlertingApi(`127.0.0.1:${stack.stack.ports.grpc.alerting}`);
    });
    afterAll(async () => {
      api?.close();
      await stack?.stop();
      await receiver?.stop();
    });

    it('delivers over HTTPS to a receiver whose CA it was given, and reports critical receivers', async () => {
      await expect(api.send(rejection)).resolves.toEqual({ criticalResults: [{ receiver: 'ecs-1-12-0-0', delivered: true, error: '' }] });
      expect(receiver.payloads[0]).toMatchObject({
        event: { id: 'uid-e2e', severity: 2, type: 'denied', action: 'CONNAISSEUR rejected a request: static deny for image ghcr.io/example/app:1 using rule *:*' },
        agent: { id: 'management-7f9c-0' },
        orchestrator: { cluster: { name: 'e2e' }, namespace: 'team-a', resource: { type: 'Pod' } },
        container: { image: { name: 'ghcr.io/example/app:1, docker.io/library/nginx:1.27' } },
      });
    });

    it('answers a stream without receivers with no results', async () => {
      await expect(api.send({ ...rejection, stream: alertingV1.AlertStream.ALERT_STREAM_ADMIT, result: alertingV1.AlertResult.ALERT_RESULT_SUCCESS })).resolves.toEqual({
        criticalResults: [],
      });
    });

    it('refuses a request without a stream as INVALID_ARGUMENT', async () => {
      await expect(api.send({ ...rejection, stream: alertingV1.AlertStream.ALERT_STREAM_UNSPECIFIED })).rejects.toEqual(
        new CallError(status.INVALID_ARGUMENT, 'unknown alert stream 0'),
      );
    });

    it('reports its receivers in /statusz and its deliveries in /metrics', async () => {
      const ops = stack.stack.opsUrl('alerting');
      expect(await (await fetch(`${ops}/statusz`)).json()).toEqual({
        service: 'alerting',
        ready: true,
        dependencies: {
          'receiver reject/ecs-1-12-0-0': { ok: true, detail: expect.stringMatching(/^reject stream, failIfAlertSendingFails, last alert \S+ delivered$/) },
        },
      });
      const metrics = await (await fetch(`${ops}/metrics`)).text();
      expect(metrics).toContain('connaisseur_mesh_alerts_delivered_total{template="ecs-1-12-0",stream="reject",result="delivered"} 1');
      expect(metrics).toContain('connaisseur_mesh_alert_delivery_duration_seconds_count{template="ecs-1-12-0"} 1');
    });

    it('logs the receivers by name only', () => {
      const log = readFileSync(join(stack.dir, 'logs', 'alerting.log'), 'utf8');
      expect(log).toContain('"receivers":["ecs-1-12-0-0 (failIfAlertSendingFails)"]');
      expect(log).not.toContain('/ingest');
    });
  });
});

/**
 * Connaisseur's sample alerting configuration (alerts/alerting/00_alerting.yaml: opsgenie with a
 * GenieKey header and payload fields, slack, keybase) in the real alerting service, every
 * receiverUrl moved to a local HTTPS receiver with its path kept.
 */
describeConformance("the alerting service with Connaisseur's alerting/00_alerting.yaml", () => {
  let receiver: AlertReceiver;
  let stack: TestStack;
  let api: AlertingApi;
  const admission: Partial<alertingV1.SendAlertRequest> = {
    ...rejection,
    stream: alertingV1.AlertStream.ALERT_STREAM_ADMIT,
    result: alertingV1.AlertResult.ALERT_RESULT_SUCCESS,
    message: '',
  };
  const at = (path: string) => receiver.received.filter((r) => r.path === path).map((r) => ({ headers: r.headers, payload: JSON.parse(r.body) }));

  beforeAll(async () => {
    receiver = await AlertReceiver.start({ tls: true });
    const alerting = parse(readConformance('alerts', 'alerting', '00_alerting.yaml'));
    for (const r of [...alerting.admitRequest.receivers, ...alerting.rejectRequest.receivers]) r.receiverUrl = receiver.url(new URL(r.receiverUrl).pathname);
    stack = await TestStack.start({ config: { alerting }, apps: ['alerting'], appEnv: { alerting: { NODE_EXTRA_CA_CERTS: receiver.caFile! } } });
    api = new AlertingApi(`127.0.0.1:${stack.stack.ports.grpc.alerting}`);
  });
  afterAll(async () => {
    api?.close();
    await stack?.stop();
    await receiver?.stop();
  });

  it('an admission goes to opsgenie (awaited: failIfAlertSendingFails) with its header, priority and payload fields, and to slack', async () => {
    await expect(api.send(admission)).resolves.toEqual({ criticalResults: [{ receiver: 'opsgenie-0', delivered: true, error: '' }] });
    await receiver.waitFor(2);
    const [opsgenie] = at('/v2/alerts');
    expect(opsgenie.headers.authorization).toBe('GenieKey <Your-Genie-Key>');
    expect(opsgenie.payload).toMatchObject({
      message: 'CONNAISSEUR admitted a request',
      priority: 'P4',
      responders: [{ type: 'user', username: 'testuser@testcompany.de' }],
      visibleTo: [{ type: 'user', username: 'testuser@testcompany.de' }],
      tags: ['deployed_an_image'],
      details: { cluster: 'example-cluster-staging-europe', namespace: 'team-a', request_id: 'uid-e2e' },
    });
    const [slack] = at('/services/%3CYour-Slack-Hook-Path%3E');
    expect(slack.payload.text).toBe('CONNAISSEUR admitted a request');
    expect(slack.payload.blocks[1].text.text).toContain('*Priority:* 1');
  });

  it('a rejection goes to keybase (awaited), with the default priority 3', async () => {
    receiver.clear();
    await expect(api.send(rejection)).resolves.toEqual({ criticalResults: [{ receiver: 'keybase-0', delivered: true, error: '' }] });
    const [keybase] = at('/webhookbot/%3CYour-Keybase-Hook-Token%3E');
    expect(keybase.payload.msg).toContain('*CONNAISSEUR rejected a request: static deny for image ghcr.io/example/app:1 using rule *:**');
    expect(keybase.payload.msg).toContain('*Priority:* 3');
    expect(receiver.received).toHaveLength(1);
  });

  it('/statusz lists its three receivers', async () => {
    const statusz = (await (await fetch(`${stack.stack.opsUrl('alerting')}/statusz`)).json()) as { dependencies: Record<string, unknown> };
    expect(Object.keys(statusz.dependencies).sort()).toEqual(['receiver admit/opsgenie-0', 'receiver admit/slack-1', 'receiver reject/keybase-0']);
  });
});
