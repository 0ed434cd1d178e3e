import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppContext, NestPinoLogger, onShutdownSignal, OpsServer, prepareApp } from '@connaisseur-mesh/observability';
import { RequestErrorsFilter } from './admission/request-errors.filter';
import { readManagementEnv } from './config/management.env';
import { AlertsService } from './alerting/alerts.service';
import { ManagementModule } from './management.module';
import { ValidatorRegistry } from './validators/validator-registry.service';
import { webhookCertificate } from './webhook/webhook-certificate';

/** The largest AdmissionReview accepted; the API server's own request limit is of this order. */
const BODY_LIMIT = 3 * 1024 * 1024;

export interface RunningManagement {
  context: AppContext;
  app: NestFastifyApplication;
  ops: OpsServer;
  stop(): Promise<void>;
}

/** management: the admission webhook (HTTPS) and its ops port. */
export async function bootstrap(): Promise<RunningManagement> {
  const context = prepareApp('management', { redactLogs: false });
  const env = readManagementEnv();
  const tls = await webhookCertificate(env.tlsCert, env.tlsKey);
  if (tls.selfSigned) context.logger.warn('TLS_CERT/TLS_KEY not set: serving a self-signed webhook certificate');

  const adapter = new FastifyAdapter({ https: { cert: tls.cert, key: tls.key }, bodyLimit: BODY_LIMIT });
  const app = await NestFactory.create<NestFastifyApplication>(ManagementModule.forRoot(context, env), adapter, {
    logger: new NestPinoLogger(context.logger),
    bufferLogs: true,
    bodyParser: false,
  });
  const fastify = adapter.getInstance();
  // The controller parses and checks the body itself, so that every non-review gets Connaisseur's
  // 400 messages (wrong content type, invalid JSON, empty request).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.useGlobalFilters(new RequestErrorsFilter(BODY_LIMIT));

  const validators = app.get(ValidatorRegistry);
  const alerts = app.get(AlertsService);
  const ops = new OpsServer({
    host: env.host,
    port: env.opsPort,
    service: 'management',
    registry: context.registry,
    dependencies: async () => ({ ...(await validators.dependencies()), ...(await alerts.dependencies()) }),
  });
  await ops.listen();
  await app.listen(env.port, env.host);
  ops.setReady(true);
  context.logger.info({ port: env.port, opsPort: env.opsPort }, 'management ready');

  const stop = async () => {
    ops.setReady(false);
    await app.close();
    await ops.close();
  };
  onShutdownSignal(context.logger, stop);
  return { context, app, ops, stop };
}

if (require.main === module) void bootstrap();
