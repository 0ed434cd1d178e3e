import { DynamicModule, Module } from '@nestjs/common';
import { AppContext } from '@connaisseur-mesh/observability';
import { AlertDispatcher } from './alert-dispatcher.service';
import { AlertMetrics } from './alert-metrics';
import { AlertingController } from './alerting.controller';
import { alertTemplatesDir } from './config/alerting.env';
import { ALERTING_SETUP, loadAlertingSetup } from './receivers/receivers';
import { builtInTemplatesDir, TemplateStore } from './templates/template-store';

@Module({})
export class AlertingModule {
  /** The receivers come from the configuration; a template problem stops the start (startGrpcApp). */
  static forContext(context: AppContext): DynamicModule {
    const setup = loadAlertingSetup(context.config, new TemplateStore(builtInTemplatesDir(), alertTemplatesDir()));
    for (const stream of ['admit', 'reject'] as const) {
      const names = setup.receivers[stream].map((r) => (r.critical ? `${r.name} (failIfAlertSendingFails)` : r.name));
      context.logger.info({ stream, receivers: names, cluster: setup.cluster }, `alert receivers of the ${stream} stream`);
    }
    return {
      module: AlertingModule,
      controllers: [AlertingController],
      providers: [{ provide: ALERTING_SETUP, useValue: setup }, AlertMetrics, AlertDispatcher],
    };
  }
}
