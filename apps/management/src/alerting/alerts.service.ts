import { status } from '@grpc/grpc-js';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { AlertStreamName, LoadedConfig, podName, streamReceivers } from '@connaisseur-mesh/config';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { CallError } from '@connaisseur-mesh/grpc';
import { DependencyStatus, Logger, LOGGER, MESH_CONFIG, METRICS_REGISTRY } from '@connaisseur-mesh/observability';
import type { DecisionResult } from '../admission/admission.service';
import { MANAGEMENT_ENV, ManagementEnv } from '../config/management.env';
import { AlertingClient } from './alerting-client';

/**
 * One admission decision, as the alert reports it: the raw decision (before the overrides), the
 * object, every image of the request, and which override will admit a denial anyway.
 */
export type AdmissionAlert = Pick<
  alertingV1.SendAlertRequest,
  'requestUid' | 'kind' | 'namespace' | 'name' | 'user' | 'images' | 'detectionModeOverride' | 'podsOnlyOverride'
> & {
  allowed: boolean;
  result: DecisionResult;
  message?: string;
  /** Epoch ms: the admission's deadline, which bounds the wait for critical receivers. */
  deadline: number;
};

/** How long a background SendAlert may take (the service answers those at once). */
const BACKGROUND_CALL_MS = 5_000;

const RESULTS: Record<DecisionResult, alertingV1.AlertResult> = {
  success: alertingV1.AlertResult.ALERT_RESULT_SUCCESS,
  skip: alertingV1.AlertResult.ALERT_RESULT_SKIP,
  error: alertingV1.AlertResult.ALERT_RESULT_ERROR,
  timeout: alertingV1.AlertResult.ALERT_RESULT_TIMEOUT,
  invalid: alertingV1.AlertResult.ALERT_RESULT_INVALID,
};

/**
 * Alerts out (ARCHITECTURE.md "Alerting"): every decision whose stream has receivers goes to the
 * alerting service. Management waits only when the stream has receivers with
 * failIfAlertSendingFails, and then within the admission's deadline; otherwise the call runs in
 * the background and the admission does not wait for it.
 */
@Injectable()
export class AlertsService implements OnModuleDestroy {
  private readonly client?: AlertingClient;
  /** Per stream: whether it has receivers, and the names of the critical ones. */
  private readonly streams: Record<AlertStreamName, { any: boolean; critical: string[] }>;
  private readonly requested: Counter<'stream' | 'outcome'>;
  /** POD_NAME: receivers' "check the logs of …" points here. */
  private readonly pod = podName();

  constructor(
    @Inject(MESH_CONFIG) loaded: LoadedConfig,
    @Inject(MANAGEMENT_ENV) env: ManagementEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const stream = (name: AlertStreamName) => {
      const receivers = streamReceivers(loaded.config.alerting, name);
      return { any: receivers.length > 0, critical: receivers.filter((r) => r.receiver.failIfAlertSendingFails).map((r) => r.name) };
    };
    this.streams = { admit: stream('admit'), reject: stream('reject') };
    if (this.streams.admit.any || this.streams.reject.any) this.client = new AlertingClient(env.alertingAddress);
    this.requested = new Counter({
      name: 'connaisseur_mesh_alerts_requested_total',
      help: 'SendAlert calls to the alerting service, by stream (admit, reject) and outcome (ok, receiver_failed, rpc_error)',
      labelNames: ['stream', 'outcome'],
      registers: [registry],
    });
  }

  /**
   * Sends the alert of a decision. Resolves to why the request must be denied — a critical
   * receiver was not notified, or the alerting service could not be asked — else undefined.
   */
  async send(alert: AdmissionAlert): Promise<string | undefined> {
    const { allowed, result, message, deadline, ...object } = alert;
    const stream: AlertStreamName = allowed ? 'admit' : 'reject';
    const { any, critical } = this.streams[stream];
    if (!any || !this.client) return undefined;
    const request: alertingV1.SendAlertRequest = {
      ...object,
      stream: allowed ? alertingV1.AlertStream.ALERT_STREAM_ADMIT : alertingV1.AlertStream.ALERT_STREAM_REJECT,
      result: RESULTS[result],
      message: message ?? '',
      decidedByPod: this.pod,
    };
    if (critical.length === 0) {
      // The alerting service answers at once for these; the deadline only bounds a hung service.
      void this.call(stream, request, Date.now() + BACKGROUND_CALL_MS).then((failure) => failure && this.warn(object.requestUid, stream, failure));
      return undefined;
    }
    const failures = await this.call(stream, request, deadline, critical);
    if (failures) this.warn(object.requestUid, stream, failures);
    return failures && `error sending notifications: ${failures}`;
  }

  /** grpc.health.v1 of the alerting service for /statusz, when alerts are configured. */
  async dependencies(): Promise<Record<string, DependencyStatus>> {
    return this.client ? { alerting: await this.client.checkHealth() } : {};
  }

  onModuleDestroy() {
    this.client?.close();
  }

  /** One SendAlert; the failures of the `critical` receivers as one message, if any. */
  private async call(stream: AlertStreamName, request: alertingV1.SendAlertRequest, deadline: number, critical: string[] = []): Promise<string | undefined> {
    const client = this.client!;
    // Alerting that cannot be asked is a failure of every critical receiver (fail closed).
    const everyCritical = (why: string) => {
      this.requested.inc({ stream, outcome: 'rpc_error' });
      return critical.length > 0 ? critical.map((name) => failed(name, why)).join('; ') : why;
    };
    // A validation that took the whole budget (a timeout) leaves none to wait for the alert: it
    // cannot count as delivered, but the receivers still hear of it, in the background.
    if (deadline <= Date.now()) {
      void this.call(stream, request, Date.now() + BACKGROUND_CALL_MS).then((failure) => failure && this.warn(request.requestUid, stream, failure));
      const why = 'no time was left in the admission budget to wait for it';
      return critical.length > 0 ? critical.map((name) => failed(name, why)).join('; ') : why;
    }
    let response: alertingV1.SendAlertResponse;
    try {
      response = await client.sendAlert(request, new Date(deadline));
    } catch (e) {
      return everyCritical(unreachable(e, client.address));
    }
    const results = new Map(response.criticalResults.map((r) => [r.receiver, r]));
    const failures = critical.flatMap((name) => {
      const result = results.get(name);
      // A receiver the service does not report (its configuration differs) was not notified.
      if (!result) return [failed(name, 'the alerting service did not report on it')];
      return result.delivered ? [] : [failed(name, result.error)];
    });
    this.requested.inc({ stream, outcome: failures.length > 0 ? 'receiver_failed' : 'ok' });
    return failures.length > 0 ? failures.join('; ') : undefined;
  }

  private warn(uid: string, stream: AlertStreamName, error: string) {
    this.logger.warn({ uid, stream, error }, 'alert not delivered');
  }
}

/** Connaisseur's message for a receiver with failIfAlertSendingFails that was not notified. */
const failed = (receiver: string, error: string) => `failed sending a notification for receiver ${receiver} with FailOnError set: ${error}`;

function unreachable(e: unknown, address: string): string {
  if (!(e instanceof CallError)) return `the alerting service (${address}) failed: ${(e as Error).message}`;
  if (e.code === status.DEADLINE_EXCEEDED) return `the alerting service (${address}) did not answer within the admission deadline`;
  return `the alerting service (${address}) is ${e.code === status.UNAVAILABLE ? 'unavailable' : `failing with ${status[e.code]}`}: ${e.details}`;
}
