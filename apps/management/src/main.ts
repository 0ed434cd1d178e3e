import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppContext, NestPinoLogger, onShutdownSignal, OpsServer, prepareApp, runApp } from '@connaisseur-mesh/observability';
import { AdmissionIntake } from './admission/admission-intake';
import { RequestErrorsFilter } from './admission/request-errors.filter';
import { readManagementEnv } from './config/management.env';
import { DependencyHealth } from './health/dependency-health.service';
import { ManagementModule } from './management.module';
import { webhookCertificate } from './webhook/webhook-certificate';

export interface RunningManagement {
  context: AppContext;
  app: NestFastifyApplication;
  ops: OpsServer;
  stop(): Promise<void>;
}

/** management: the admission webhook (HTTPS) and its ops port. */
export async function bootstrap(): Promise<RunningManagement> {
  const context = prepareApp('management', { redactLogs: false });
  let env;
  try {
    env = readManagementEnv();
  } catch (e) {
    context.logger.fatal((e as Error).message);
    context.logger.flush();
    process.exit(1);
  }
  const tls = await webhookCertificate(env.tlsCert, env.tlsKey);
  if (tls.selfSigned) context.logger.warn('TLS_CERT/TLS_KEY not set: serving a self-signed webhook certificate');

  const adapter = new FastifyAdapter({ https: { cert: tls.cert, key: tls.key } });
  const app = await NestFactory.create<NestFastifyApplication>(ManagementModule.forRoot(context, env), adapter, {
    logger: new NestPinoLogger(context.logger),
    bufferLogs: true,
    bodyParser: false,
  });
  // Bodies are read (within limits, scanned for depth) by the intake and checked by the controller,
  // so that every non-review gets Connaisseur's 400 messages (wrong content type, invalid JSON,
  // empty request) and every review a decision.
  const admission = context.config.config.admission;
  new AdmissionIntake({ maxInFlight: admission.maxInFlight, bodyTimeoutSeconds: admission.timeoutSeconds }).register(adapter.getInstance());
  app.useGlobalFilters(new RequestErrorsFilter());

  const dependencies = app.get(DependencyHealth);
  const ops = new OpsServer({
    host: env.host,
    port: env.opsPort,
    service: 'management',
    registry: context.registry,
    dependencies: () => dependencies.check(),
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

if (require.main === module) runApp('management', bootstrap);
