import { DynamicModule, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { bindAddress, ConfigError, envPort } from '@connaisseur-mesh/config';
import {
  AppContext,
  AppContextModule,
  exitOnConfigError,
  NestPinoLogger,
  onShutdownSignal,
  OpsServer,
  OpsServerSettings,
  prepareApp,
} from '@connaisseur-mesh/observability';
import { grpcServerOptions, servingHealth } from './server';

@Module({})
class GrpcAppRootModule {}

export interface GrpcAppSettings {
  /** The app's name in logs, e.g. "validator-cosign". */
  name: string;
  /**
   * The app's module. With a static `forContext`, the module is built from the loaded
   * configuration; a ConfigError it throws (a problem beyond the file itself, such as a missing
   * alert template) ends the process like a configuration error: exit 1, every problem with its path.
   */
  module: Type<unknown> & { forContext?(context: AppContext): DynamicModule };
  package: string;
  protoFile: string;
  service: string;
  /** Local-stack defaults of GRPC_PORT and OPS_PORT (ARCHITECTURE.md). */
  grpcPort: number;
  opsPort: number;
  /** What /statusz reports, from the running app. */
  statusz?: (app: INestMicroservice) => OpsServerSettings['dependencies'];
}

export interface RunningGrpcApp {
  context: AppContext;
  app: INestMicroservice;
  ops: OpsServer;
  stop(): Promise<void>;
}

/**
 * Starts a gRPC app (a validator or alerting): configuration, logger, metrics, the Nest gRPC
 * microservice with grpc.health.v1, and the ops port. Stops cleanly on SIGTERM/SIGINT.
 */
export async function startGrpcApp(settings: GrpcAppSettings): Promise<RunningGrpcApp> {
  const context = prepareApp(settings.name, { redactLogs: true });
  const host = bindAddress();
  const grpcPort = envPort('GRPC_PORT', settings.grpcPort);
  const health = servingHealth(settings.service);
  const app = await NestFactory.createMicroservice(
    { module: GrpcAppRootModule, imports: [AppContextModule.forRoot(context), appModule(settings, context)] },
    {
      ...grpcServerOptions(
        { package: settings.package, protoFile: settings.protoFile, service: settings.service, host, port: grpcPort },
        health,
      ),
      logger: new NestPinoLogger(context.logger),
      bufferLogs: true,
    },
  );
  const opsPort = envPort('OPS_PORT', settings.opsPort);
  const ops = new OpsServer({
    host,
    port: opsPort,
    service: settings.name,
    registry: context.registry,
    dependencies: settings.statusz?.(app),
  });
  await ops.listen();
  await app.listen();
  ops.setReady(true);
  context.logger.info({ grpcPort, opsPort }, `${settings.name} ready`);

  const stop = async () => {
    ops.setReady(false);
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(settings.service, 'NOT_SERVING');
    await app.close();
    await ops.close();
  };
  onShutdownSignal(context.logger, stop);
  return { context, app, ops, stop };
}

function appModule(settings: GrpcAppSettings, context: AppContext): Type<unknown> | DynamicModule {
  if (!settings.module.forContext) return settings.module;
  try {
    return settings.module.forContext(context);
  } catch (e) {
    if (e instanceof ConfigError) exitOnConfigError(settings.name, e);
    throw e;
  }
}
