import { Inject, Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DependencyStatus, METRICS_REGISTRY } from '@connaisseur-mesh/observability';
import { AlertsService } from '../alerting/alerts.service';
import { VerdictCache } from '../cache/verdict-cache.service';
import { ValidatorRegistry } from '../validators/validator-registry.service';

/**
 * What management depends on, checked on each GET /statusz and each scrape of
 * `connaisseur_mesh_dependency_up`: the validator services (grpc.health.v1), Redis (PING) when
 * the cache is there, and alerting (grpc.health.v1) when receivers are configured. Never part of
 * /readyz: one broken dependency must not make every webhook pod unready.
 */
@Injectable()
export class DependencyHealth {
  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly validators: ValidatorRegistry,
    private readonly cache: VerdictCache,
    private readonly alerts: AlertsService,
  ) {
    const check = () => this.check();
    new Gauge({
      name: 'connaisseur_mesh_dependency_up',
      help: 'Whether a dependency answered its health check (1) or not (0) at scrape time, as /statusz reports it',
      labelNames: ['dependency'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [dependency, state] of Object.entries(await check())) this.set({ dependency }, state.ok ? 1 : 0);
      },
    });
  }

  /** Each dependency by name: `validator <address>`, `redis`, `alerting`. */
  async check(): Promise<Record<string, DependencyStatus>> {
    const [validators, cache, alerting] = await Promise.all([this.validators.dependencies(), this.cache.dependencies(), this.alerts.dependencies()]);
    return { ...validators, ...cache, ...alerting };
  }
}
