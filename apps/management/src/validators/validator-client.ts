import { ChannelOptions, Client, Metadata, ServiceError, status } from '@grpc/grpc-js';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { clientCredentials, healthClient, serviceClient, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';
import type { DependencyStatus } from '@connaisseur-mesh/observability';

/** An RPC that ended without a response: management denies the image and names the validator. */
export class ValidatorCallError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(`${status[code] ?? code}: ${details}`);
    this.name = 'ValidatorCallError';
  }
}

// Only UNAVAILABLE is retried, inside the call's deadline (gRPC's own retry: transparent to us).
const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.enable_retries': 1,
  'grpc.service_config': JSON.stringify({
    methodConfig: [
      {
        name: [{ service: VALIDATOR_SERVICE }],
        retryPolicy: {
          maxAttempts: 3,
          initialBackoff: '0.05s',
          maxBackoff: '0.5s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  }),
};

type UnaryMethod = (
  request: validatorV1.ValidateImageRequest,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: validatorV1.ValidateImageResponse) => void,
) => void;

/** One channel to one validator service (cosign, notaryv1, notation or an external one). */
export class ValidatorClient {
  private readonly client: Client;
  private readonly health: ReturnType<typeof healthClient>;

  constructor(readonly address: string) {
    const Ctor = serviceClient(VALIDATOR_PROTO, VALIDATOR_SERVICE);
    this.client = new Ctor(address, clientCredentials(), CHANNEL_OPTIONS);
    this.health = healthClient(address);
  }

  validateImage(request: validatorV1.ValidateImageRequest, deadline: Date): Promise<validatorV1.ValidateImageResponse> {
    return new Promise((resolve, reject) => {
      const method = (this.client as unknown as { ValidateImage: UnaryMethod }).ValidateImage.bind(this.client);
      method(request, new Metadata(), { deadline }, (error, response) => {
        if (error) reject(new ValidatorCallError(error.code, error.details || error.message));
        else if (!response) reject(new ValidatorCallError(status.INTERNAL, 'empty response'));
        else resolve(response);
      });
    });
  }

  /** grpc.health.v1 check of the service, for /statusz. */
  async checkHealth(timeoutMs = 1_000): Promise<DependencyStatus> {
    try {
      const serving = await this.health.check(VALIDATOR_SERVICE, timeoutMs);
      return serving === 'SERVING' ? { ok: true } : { ok: false, detail: `${this.address}: ${serving}` };
    } catch (e) {
      return { ok: false, detail: `${this.address}: ${(e as Error).message}` };
    }
  }

  close() {
    this.client.close();
    this.health.close();
  }
}
