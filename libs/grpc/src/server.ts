import { Server } from '@grpc/grpc-js';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import { HealthImplementation } from 'grpc-health-check';
import { serverCredentials } from './credentials';
import { packageDefinition } from './proto';

export interface GrpcServerSettings {
  /** The proto package, e.g. VALIDATOR_PACKAGE. */
  package: string;
  /** The proto file, relative to proto/. */
  protoFile: string;
  /** Fully qualified service name, reported SERVING by grpc.health.v1.Health. */
  service: string;
  host: string;
  port: number;
}

/**
 * Nest microservice options for one of our gRPC servers: our loader options (through a
 * pre-loaded package definition), TLS from the environment, graceful shutdown, and
 * grpc.health.v1.Health next to the service. `health` lets the app report NOT_SERVING while it
 * shuts down.
 */
export function grpcServerOptions(settings: GrpcServerSettings, health: HealthImplementation): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      package: settings.package,
      packageDefinition: packageDefinition(settings.protoFile),
      url: `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`,
      credentials: serverCredentials(),
      gracefulShutdown: true,
      onLoadPackageDefinition: (_pkg: unknown, server: Server) => health.addToServer(server),
    },
  };
}

export function servingHealth(service: string): HealthImplementation {
  return new HealthImplementation({ '': 'SERVING', [service]: 'SERVING' });
}
