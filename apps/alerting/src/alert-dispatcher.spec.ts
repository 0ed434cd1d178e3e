import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { parseConfig } from '@connaisseur-mesh/config';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { createLogger } from '@connaisseur-mesh/observability';
import { AlertReceiver, conformancePath, describeConformance, readConformance } from '@connaisseur-mesh/testing';
import { AlertDispatcher } from './alert-dispatcher.service';
import { AlertMetrics } from './alert-metrics';
import { sampleRequest } from './receivers/alert-values';
import { loadAlertingSetup } from './receivers/receivers';
import { builtInTemplatesDir, TemplateStore } from './templates/template-store';

const { AlertResult, AlertStream } = alertingV1;
const admitted = (changes: Partial<alertingV1.SendAlertRequest> = {}): alertingV1.SendAlertRequest => ({
  ...sampleRequest(),
  stream: AlertStream.ALERT_STREAM_ADMIT,
  result: AlertResult.ALERT_RESULT_SUCCESS,
  message: '',
  ...changes,
});
const rejected = (message: string): alertingV1.SendAlertRequest => ({ ...sampleRequest(), message });

let receiver: AlertReceiver;
const dispatchers: AlertDispatcher[] = [];
beforeEach(async () => {
  receiver = await AlertReceiver.start();
});
// What a test left in the background ends once its receiver is gone.
afterEach(async () => {
  await receiver.stop();
  await Promise.all(dispatchers.splice(0).map((d) => d.drain(5_000)));
});

/** A dispatcher as the app builds it, with its log lines and metrics at hand. */
function dispatcher(alerting: unknown, templatesDir?: string) {
  const lines: string[] = [];
  const logger = createLogger({ service: 'alerting', pod: 'test', level: 'debug', redact: true, destination: { write: (l: string) => void lines.push(l) } });
  const registry = new Registry();
  const setup = loadAlertingSetup(parseConfig(stringify({ alerting })), new TemplateStore(builtInTemplatesDir(), templatesDir));
  const created = new AlertDispatcher(setup, logger, new AlertMetrics(registry));
  dispatchers.push(created);
  return { dispatcher: created, lines, registry };
}

/** A receiver config fixture of Connaisseur with every receiverUrl pointing at the test's receiver. */
function fixture(name: string) {
  const alerting = parse(readConformance('alerts', 'alerting', name));
  for (const stream of ['admitRequest', 'rejectRequest']) {
    for (const r of alerting[stream]?.receivers ?? []) r.receiverUrl = receiver.url('/');
  }
  return dispatcher(alerting, conformancePath('alerts'));
}

describeConformance("Connaisseur's alerting configurations (alerts/alerting/)", () => {
  it('03_send_notif_test: an admission and a rejection reach their receivers with the cluster', async () => {
    const { dispatcher: d } = fixture('03_send_notif_test.yaml');
    expect(await d.send(admitted(), Infinity)).toEqual({ criticalResults: [{ receiver: '12_send_notif_test-0', delivered: true, error: '' }] });
    await d.send(rejected('error'), Infinity);
    expect(receiver.received.map((r) => r.body)).toEqual([
      '{"cluster":"test","message":"CONNAISSEUR admitted a request"}',
      '{"cluster":"test","message":"CONNAISSEUR rejected a request: error"}',
    ]);
  });

  it('04_send_notif_no_cluster: the cluster is "not specified"', async () => {
    await fixture('04_send_notif_no_cluster.yaml').dispatcher.send(admitted(), Infinity);
    expect(receiver.received.map((r) => r.body)).toEqual(['{"cluster":"not specified","message":"CONNAISSEUR admitted a request"}']);
  });

  it('05_send_notif_tmpl_not_found: a missing template stops the start, with its path', () => {
    expect(() => fixture('05_send_notif_tmpl_not_found.yaml')).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^alerting\.admitRequest\.receivers\[0\]\.template: no template "404_not_found"/)] }),
    );
  });

  it('06_empty: no receivers, nothing sent', async () => {
    expect(await fixture('06_empty.yaml').dispatcher.send(admitted(), Infinity)).toEqual({ criticalResults: [] });
    expect(receiver.received).toHaveLength(0);
  });

  it('07_send_notif_success_and_fail: a receiver answering 500 fails the critical receiver, with the answer', async () => {
    receiver.answer({ status: 500, body: 'it broke' });
    const { dispatcher: d } = fixture('07_send_notif_success_and_fail.yaml');
    expect(await d.send(admitted(), Infinity)).toEqual({
      criticalResults: [{ receiver: '11_fail_template-0', delivered: false, error: 'HTTP 500: it broke (after 3 attempts)' }],
    });
    expect(receiver.received.map((r) => r.body)).toEqual(Array(3).fill('{"fail":true}'));
  });

  it('08_send_notif_multiple_ch: each receiver gets its own priority', async () => {
    await fixture('08_send_notif_multiple_ch.yaml').dispatcher.send(admitted(), Infinity);
    expect(receiver.received.map((r) => r.body).sort()).toEqual(['{"prio":"1337"}', '{"prio":"69"}']);
  });
});

describe('the alert dispatcher', () => {
  it('answers at once for background receivers, which are still delivered', async () => {
    receiver.answer((i) => (i === 0 ? 'hang' : { status: 200 }));
    const { dispatcher: d } = dispatcher({ admitRequest: { receivers: [{ template: 'slack', receiverUrl: receiver.url('/slow') }] } });
    const started = performance.now();
    expect(await d.send(admitted(), Infinity)).toEqual({ criticalResults: [] });
    expect(performance.now() - started).toBeLessThan(50);
    await receiver.waitFor(1);
  });

  it('waits for critical receivers no longer than the caller can wait', async () => {
    receiver.answer('hang');
    const { dispatcher: d } = dispatcher({
      rejectRequest: { receivers: [{ template: 'keybase', receiverUrl: receiver.url('/hook'), failIfAlertSendingFails: true }] },
    });
    const started = Date.now();
    const response = await d.send(rejected('denied'), started + 600);
    expect(Date.now() - started).toBeLessThan(600);
    expect(response).toEqual({ criticalResults: [{ receiver: 'keybase-0', delivered: false, error: expect.stringMatching(/^no answer within \d+ ms$/) }] });
  });

  it('sends nothing for a template that renders empty, and that is no failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-templates-'));
    writeFileSync(join(dir, 'empty.json'), '');
    const { dispatcher: d, registry } = dispatcher({ admitRequest: { receivers: [{ template: 'empty', receiverUrl: receiver.url(), failIfAlertSendingFails: true }] } }, dir);
    expect(await d.send(admitted(), Infinity)).toEqual({ criticalResults: [{ receiver: 'empty-0', delivered: true, error: '' }] });
    expect(receiver.received).toHaveLength(0);
    expect(await registry.metrics()).toContain('connaisseur_mesh_alerts_delivered_total{template="empty",stream="admit",result="skipped"} 1');
  });

  it.each([
    [{ stream: AlertStream.ALERT_STREAM_UNSPECIFIED }, 'unknown alert stream 0'],
    [{ result: AlertResult.ALERT_RESULT_ERROR }, 'result "error" does not belong to the admit stream'],
  ])('refuses an invalid request as INVALID_ARGUMENT: %j', async (changes, message) => {
    const { dispatcher: d } = dispatcher({});
    const error = await d.send(admitted(changes), Infinity).catch((e: RpcException) => e);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({ code: status.INVALID_ARGUMENT, message });
  });

  it('counts deliveries and reports the last one per receiver, never logging URLs or header values', async () => {
    receiver.answer((i) => (i === 0 ? { status: 200 } : { status: 400, body: 'bad key' }));
    const { dispatcher: d, lines, registry } = dispatcher({
      admitRequest: {
        receivers: [
          {
            template: 'opsgenie',
            receiverUrl: receiver.url('/services/T0/B0/webhook-secret'),
            customHeaders: ['Authorization: GenieKey genie-secret'],
            failIfAlertSendingFails: true,
          },
        ],
      },
      rejectRequest: { receivers: [{ template: 'slack', receiverUrl: receiver.url('/other') }] },
    });
    expect(d.statusz()).toEqual({
      'receiver admit/opsgenie-0': { ok: true, detail: 'admit stream, failIfAlertSendingFails, no alert yet' },
      'receiver reject/slack-0': { ok: true, detail: 'reject stream, background, no alert yet' },
    });
    await d.send(admitted(), Infinity);
    await d.send(admitted(), Infinity);
    expect(receiver.received[0].headers.authorization).toBe('GenieKey genie-secret');
    expect(d.statusz()['receiver admit/opsgenie-0']).toEqual({
      ok: false,
      detail: expect.stringMatching(/^admit stream, failIfAlertSendingFails, last alert \S+ failed: HTTP 400: bad key$/),
    });
    const metrics = await registry.metrics();
    expect(metrics).toContain('connaisseur_mesh_alerts_delivered_total{template="opsgenie",stream="admit",result="delivered"} 1');
    expect(metrics).toContain('connaisseur_mesh_alerts_delivered_total{template="opsgenie",stream="admit",result="failed"} 1');
    expect(metrics).toContain('connaisseur_mesh_alert_delivery_duration_seconds_count{template="opsgenie"} 2');
    const log = lines.join('');
    expect(log).toContain('"receiver":"opsgenie-0"');
    expect(log).toContain('"error":"HTTP 400: bad key"');
    expect(log).not.toContain('secret');
  });

  it('drops background alerts to a receiver with too many in flight, and counts them', async () => {
    receiver.answer('hang');
    const { dispatcher: d, registry } = dispatcher({ admitRequest: { receivers: [{ template: 'slack', receiverUrl: receiver.url() }] } });
    for (let i = 0; i < 101; i++) await d.send(admitted(), Infinity);
    expect(await registry.metrics()).toContain('connaisseur_mesh_alerts_delivered_total{template="slack",stream="admit",result="dropped"} 1');
  });
});
