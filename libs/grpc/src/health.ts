import { Client, makeClientConstructor, ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { clientCredentials } from './credentials';

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

/** A grpc.health.v1 client; `check` resolves to the serving status ("SERVING", "NOT_SERVING", …). */
export function healthClient(address: string) {
  const client: Client = new HealthClient(address, clientCredentials());
  return {
    check(service: string, timeoutMs: number): Promise<string> {
      return new Promise((resolve, reject) => {
        (client as unknown as Record<string, Function>).check(
          { service },
          { deadline: new Date(Date.now() + timeoutMs) },
          (error: ServiceError | null, response?: { status: string }) => {
            if (error) reject(new Error(error.details || error.message));
            else resolve(response?.status ?? 'UNKNOWN');
          },
        );
      });
    },
    close: () => client.close(),
  };
}
