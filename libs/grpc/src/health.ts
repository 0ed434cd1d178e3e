import { Client, makeClientConstructor, ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { DependencyStatus } from '@connaisseur-mesh/observability';
import { clientCredentials } from './credentials';

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

/**
 * A grpc.health.v1 client; `check` resolves to the serving status ("SERVING", "NOT_SERVING", …),
 * `status` to what /statusz reports about the service.
 */
export function healthClient(address: string) {
  const client: Client = new HealthClient(address, clientCredentials());
  const check = (service: string, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      (client as unknown as Record<string, Function>).check(
        { service },
        { deadline: new Date(Date.now() + timeoutMs) },
        (error: ServiceError | null, response?: { status: string }) => {
          if (error) reject(new Error(error.details || error.message));
          else resolve(response?.status ?? 'UNKNOWN');
        },
      );
    });
  return {
    check,
    async status(service: string, timeoutMs = 1_000): Promise<DependencyStatus> {
      try {
        const serving = await check(service, timeoutMs);
        return serving === 'SERVING' ? { ok: true } : { ok: false, detail: `${address}: ${serving}` };
      } catch (e) {
        return { ok: false, detail: `${address}: ${(e as Error).message}` };
      }
    },
    close: () => client.close(),
  };
}
