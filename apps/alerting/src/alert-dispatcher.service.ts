import { status } from '@grpc/grpc-js';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { alertingV1 } from '@connaisseur-mesh/contracts';
import { DependencyStatus, Logger, LOGGER } from '@connaisseur-mesh/observability';
import { AlertMetrics, DeliveryResult } from './alert-metrics';
import { deliver, DeliveryOutcome } from './delivery/http-delivery';
import { alertValues, streamOf } from './receivers/alert-values';
import { ALERTING_SETUP, AlertingSetup, Receiver } from './receivers/receivers';
import { AlertValues } from './templates/alert-template';

/** Time kept back from the caller's deadline to send the answer. */
const ANSWER_MARGIN_MS = 100;
/** Every delivery ends within this, whatever the caller's deadline (DEFAULT_POLICY's attempts fit in it). */
const DELIVERY_BUDGET_MS = 20_000;
/** Background deliveries in flight per receiver; beyond, alerts to it are dropped (and counted). */
const MAX_BACKGROUND_PER_RECEIVER = 100;
/** On shutdown, how long background deliveries may go on (under the local stack's 5 s before SIGKILL). */
const SHUTDOWN_GRACE_MS = 3_000;

// Receiver names repeat across the two streams (both can have a "slack-0").
const keyOf = (receiver: Receiver) => `${receiver.stream}/${receiver.name}`;

interface LastDelivery {
  at: Date;
  delivered: boolean;
  error?: string;
}

/**
 * SendAlert: renders the alert for every receiver of its stream and delivers them concurrently.
 * Receivers with failIfAlertSendingFails are awaited within the caller's deadline and reported;
 * the others are delivered in the background, so the answer does not wait for them.
 */
@Injectable()
export class AlertDispatcher implements OnApplicationShutdown {
  private readonly inFlight = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly last = new Map<string, LastDelivery>();

  constructor(
    @Inject(ALERTING_SETUP) private readonly setup: AlertingSetup,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: AlertMetrics,
  ) {}

  /** `callDeadline`: epoch ms by which the caller needs the answer (Infinity without one). */
  async send(request: alertingV1.SendAlertRequest, callDeadline: number): Promise<alertingV1.SendAlertResponse> {
    const stream = streamOf(request);
    if (typeof stream !== 'string') throw new RpcException({ code: status.INVALID_ARGUMENT, message: stream.invalid });
    const values = alertValues(request, this.setup.cluster, new Date());
    const budget = Date.now() + DELIVERY_BUDGET_MS;
    const critical: Promise<alertingV1.ReceiverResult>[] = [];
    for (const receiver of this.setup.receivers[stream]) {
      if (receiver.critical) critical.push(this.deliverTo(receiver, values, request.requestUid, Math.min(budget, callDeadline - ANSWER_MARGIN_MS)));
      else this.deliverInBackground(receiver, values, request.requestUid, budget);
    }
    return { criticalResults: await Promise.all(critical) };
  }

  /** Waits (at most `timeoutMs`) for the background deliveries under way. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.background]), timeout]);
    clearTimeout(timer);
  }

  /** Alerts accepted before SIGTERM still go out, for a while. */
  onApplicationShutdown(): Promise<void> {
    return this.drain(SHUTDOWN_GRACE_MS);
  }

  /** /statusz: each receiver and how its last alert went. Names only: URLs and headers hold secrets. */
  statusz(): Record<string, DependencyStatus> {
    const receivers = [...this.setup.receivers.admit, ...this.setup.receivers.reject];
    return Object.fromEntries(
      receivers.map((r) => {
        const last = this.last.get(keyOf(r));
        const what = `${r.stream} stream, ${r.critical ? 'failIfAlertSendingFails' : 'background'}`;
        if (!last) return [`receiver ${keyOf(r)}`, { ok: true, detail: `${what}, no alert yet` }];
        const how = last.delivered ? 'delivered' : `failed: ${last.error}`;
        return [`receiver ${keyOf(r)}`, { ok: last.delivered, detail: `${what}, last alert ${last.at.toISOString()} ${how}` }];
      }),
    );
  }

  private deliverInBackground(receiver: Receiver, values: Omit<AlertValues, 'priority'>, requestUid: string, deadline: number) {
    const key = keyOf(receiver);
    const inFlight = this.inFlight.get(key) ?? 0;
    if (inFlight >= MAX_BACKGROUND_PER_RECEIVER) {
      this.metrics.delivered.inc({ template: receiver.templateName, stream: receiver.stream, result: 'dropped' });
      this.logger.warn({ receiver: receiver.name, stream: receiver.stream, requestUid, inFlight }, 'alert dropped: too many deliveries to this receiver in flight');
      return;
    }
    this.inFlight.set(key, inFlight + 1);
    const delivery = this.deliverTo(receiver, values, requestUid, deadline).finally(() => {
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      this.background.delete(delivery);
    });
    this.background.add(delivery);
  }

  /** Renders and delivers; never throws: every failure is a result. */
  private async deliverTo(
    receiver: Receiver,
    values: Omit<AlertValues, 'priority'>,
    requestUid: string,
    deadline: number,
  ): Promise<alertingV1.ReceiverResult> {
    const started = performance.now();
    let body: string | undefined;
    try {
      body = receiver.template.render({ ...values, priority: receiver.priority }, receiver.payloadFields);
    } catch (e) {
      return this.record(receiver, requestUid, started, { delivered: false, attempts: 0, error: `cannot render the template: ${(e as Error).message}` });
    }
    // An empty rendering sends nothing, and that is no failure (Connaisseur).
    if (body === undefined) return this.record(receiver, requestUid, started, { delivered: true, attempts: 0 }, 'skipped');
    return this.record(receiver, requestUid, started, await deliver(receiver.url, receiver.headers, body, deadline));
  }

  private record(
    receiver: Receiver,
    requestUid: string,
    started: number,
    outcome: DeliveryOutcome,
    result: DeliveryResult = outcome.delivered ? 'delivered' : 'failed',
  ): alertingV1.ReceiverResult {
    const seconds = (performance.now() - started) / 1000;
    this.metrics.delivered.inc({ template: receiver.templateName, stream: receiver.stream, result });
    if (result !== 'skipped') this.metrics.duration.observe({ template: receiver.templateName }, seconds);
    this.last.set(keyOf(receiver), { at: new Date(), delivered: outcome.delivered, error: outcome.error });
    const fields = { receiver: receiver.name, stream: receiver.stream, critical: receiver.critical, requestUid, attempts: outcome.attempts, result, durationMs: Math.round(seconds * 1000) };
    if (result === 'skipped') this.logger.debug(fields, 'nothing to send: the template rendered empty');
    else if (outcome.delivered) this.logger.debug(fields, 'alert sent');
    else this.logger.warn({ ...fields, error: outcome.error }, 'alert not delivered');
    return { receiver: receiver.name, delivered: outcome.delivered, error: outcome.error ?? '' };
  }
}
