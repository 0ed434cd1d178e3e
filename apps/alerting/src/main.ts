import { ALERTING_PACKAGE, ALERTING_PROTO, ALERTING_SERVICE, startGrpcApp } from '@connaisseur-mesh/grpc';
import { runApp } from '@connaisseur-mesh/observability';
import { AlertDispatcher } from './alert-dispatcher.service';
import { AlertingModule } from './alerting.module';

/** alerting: renders and delivers alerts about admission decisions behind connaisseur_mesh.alerting.v1. */
export function bootstrap() {
  return startGrpcApp({
    name: 'alerting',
    module: AlertingModule,
    package: ALERTING_PACKAGE,
    protoFile: ALERTING_PROTO,
    service: ALERTING_SERVICE,
    grpcPort: 50054,
    opsPort: 9094,
    statusz: (app) => {
      const dispatcher = app.get(AlertDispatcher);
      return async () => dispatcher.statusz();
    },
  });
}

if (require.main === module) runApp('alerting', bootstrap);
