import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { LoadedConfig } from '@connaisseur-mesh/config';
import { ALERTING_SERVICE, healthClient } from '@connaisseur-mesh/grpc';
import { DependencyStatus, MESH_CONFIG, METRICS_REGISTRY } from '@connaisseur-mesh/observability';
import { VerdictCache } from '../cache/verdict-cache.service';
import { MANAGEMENT_ENV, ManagementEnv } from '../config/management.env';
import { ValidatorRegistry } from '../validators/validator-registry.service';

const HEALTH_TIMEOUT_MS = 1_000;

/**
 * What management depends on, checked on each GET /statusz and each scrape of
 * `connaisseur_mesh_dependency_up`: the validator services (grpc.health.v1), Redis (PING) when
 * the cache is there, and alerting (grpc.health.v1) when receivers are configured. Never part of
 * /readyz: one broken dependency must not make every webhook pod unready.
 */
@Injectable()
export class DependencyHealth implements OnModuleDestroy {
  private readonly alerting?: ReturnType<typeof healthClient>;

  constructor(
    @Inject(MESH_CONFIG) config: LoadedConfig,
    @Inject(MANAGEMENT_ENV) private readonly env: ManagementEnv,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly validators: ValidatorRegistry,
    private readonly cache: VerdictCache,
  ) {
    const alerting = config.config.alerting;
    const receivers = [...(alerting?.admitRequest?.receivers ?? []), ...(alerting?.rejectRequest?.receivers ?? [])];
    if (receivers.length > 0) this.alerting = healthClient(env.alertingAddress);
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
    const [validators, cache, alerting] = await Promise.all([this.validators.dependencies(), this.cache.dependencies(), this.checkAlerting()]);
    return { ...validators, ...cache, ...alerting };
  }

  private async checkAlerting(): Promise<Record<string, DependencyStatus>> {
    if (!this.alerting) return {};
    try {
      const serving = await this.alerting.check(ALERTING_SERVICE, HEALTH_TIMEOUT_MS);
      return { alerting: serving === 'SERVING' ? { ok: true } : { ok: false, detail: `${this.env.alertingAddress}: ${serving}` } };
    } catch (e) {
      return { alerting: { ok: false, detail: `${this.env.alertingAddress}: ${(e as Error).message}` } };
    }
  }

  onModuleDestroy() {
    this.alerting?.close();
  }
}
