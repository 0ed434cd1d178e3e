import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoadedConfig } from '@connaisseur-mesh/config';

/** Injection tokens for what every app builds before Nest starts. */
export const MESH_CONFIG = Symbol('MESH_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export interface AppContext {
  config: LoadedConfig;
  logger: Logger;
  registry: Registry;
}

/** Makes the loaded configuration, the logger and the metrics registry injectable everywhere. */
@Global()
@Module({})
export class AppContextModule {
  static forRoot(context: AppContext): DynamicModule {
    const providers = [
      { provide: MESH_CONFIG, useValue: context.config },
      { provide: LOGGER, useValue: context.logger },
      { provide: METRICS_REGISTRY, useValue: context.registry },
    ];
    return { module: AppContextModule, providers, exports: providers };
  }
}
