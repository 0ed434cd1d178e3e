import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { LoadedConfig, ValidatorConfig } from '@connaisseur-mesh/config';
import { DependencyStatus, MESH_CONFIG } from '@connaisseur-mesh/observability';
import { MANAGEMENT_ENV, ManagementEnv } from '../config/management.env';
import { ValidatorClient } from './validator-client';

export interface ValidatorEntry {
  config: ValidatorConfig;
  /** The service that verifies for this validator; none for static validators (they run here). */
  client?: ValidatorClient;
}

/** Every configured validator with its gRPC client; one channel per distinct service address. */
@Injectable()
export class ValidatorRegistry implements OnModuleDestroy {
  private readonly entries = new Map<string, ValidatorEntry>();
  private readonly clients = new Map<string, ValidatorClient>();

  constructor(@Inject(MESH_CONFIG) config: LoadedConfig, @Inject(MANAGEMENT_ENV) env: ManagementEnv) {
    for (const validator of config.config.validators) {
      const address =
        validator.type === 'static' ? undefined : validator.type === 'external' ? validator.address : env.validatorAddresses[validator.type];
      let client = address ? this.clients.get(address) : undefined;
      if (address && !client) {
        client = new ValidatorClient(address);
        this.clients.set(address, client);
      }
      this.entries.set(validator.name, { config: validator, client });
    }
  }

  get(name: string): ValidatorEntry | undefined {
    return this.entries.get(name);
  }

  /** grpc.health.v1 of every validator service, keyed `validator <address>`, for /statusz. */
  async dependencies(): Promise<Record<string, DependencyStatus>> {
    const checks = [...this.clients].map(async ([address, client]) => [`validator ${address}`, await client.checkHealth()] as const);
    return Object.fromEntries(await Promise.all(checks));
  }

  onModuleDestroy() {
    for (const client of this.clients.values()) client.close();
  }
}
