import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@connaisseur-mesh/observability';

/** `delivered` (2xx), `failed`, `skipped` (the template rendered to nothing), `dropped` (too many in flight). */
export type DeliveryResult = 'delivered' | 'failed' | 'skipped' | 'dropped';

/**
 * The alerting rows of ARCHITECTURE.md's metrics table (docs/metrics.md). Labels are template
 * names from the configuration, the two streams and the results above: never a URL or a message.
 */
@Injectable()
export class AlertMetrics {
  readonly delivered: Counter<'template' | 'stream' | 'result'>;
  readonly duration: Histogram<'template'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.delivered = new Counter({
      name: 'connaisseur_mesh_alerts_delivered_total',
      help: 'Alerts per receiver, by template, stream (admit, reject) and result (delivered, failed, skipped, dropped)',
      labelNames: ['template', 'stream', 'result'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'connaisseur_mesh_alert_delivery_duration_seconds',
      help: 'Time to deliver an alert to a receiver, retries included',
      labelNames: ['template'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    });
  }
}
