import { ChannelOptions, Client, Metadata, ServiceError, status } from '@grpc/grpc-js';
import type { DependencyStatus } from '@connaisseur-mesh/observability';
import { clientCredentials } from './credentials';
import { healthClient } from './health';
import { serviceClient } from './proto';

/** An RPC that ended without a response: its status code and details. */
export class CallError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(`${status[code] ?? code}: ${details}`);
    this.name = 'CallError';
  }
}

/**
 * Channel options of management's clients. Only UNAVAILABLE is retried, inside the call's
 * deadline (gRPC's own retry, transparent to the caller): the other codes are answers.
 */
function clientChannelOptions(fullServiceName: string): ChannelOptions {
  return {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.enable_retries': 1,
    'grpc.service_config': JSON.stringify({
      methodConfig: [
        {
          name: [{ service: fullServiceName }],
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
}

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: Response) => void,
) => void;

/**
 * One channel to one of our gRPC services (a validator, alerting), with the client channel
 * options above and the service's grpc.health.v1 for /statusz.
 */
export class ServiceChannel {
  private readonly client: Client;
  private readonly health: ReturnType<typeof healthClient>;

  constructor(
    readonly address: string,
    protoFile: string,
    private readonly fullServiceName: string,
  ) {
    const Ctor = serviceClient(protoFile, fullServiceName);
    this.client = new Ctor(address, clientCredentials(), clientChannelOptions(fullServiceName));
    this.health = healthClient(address);
  }

  /** A unary call with a deadline; fails with a CallError. */
  protected call<Request, Response>(method: string, request: Request, deadline: Date): Promise<Response> {
    return unaryCall(this.client, method, request, deadline);
  }

  checkHealth(timeoutMs?: number): Promise<DependencyStatus> {
    return this.health.status(this.fullServiceName, timeoutMs);
  }

  close() {
    this.client.close();
    this.health.close();
  }
}

/** One unary call with a deadline on a client of `serviceClient()`; fails with a CallError. */
export function unaryCall<Request, Response>(client: Client, method: string, request: Request, deadline: Date): Promise<Response> {
  const call = (client as unknown as Record<string, UnaryMethod<Request, Response>>)[method].bind(client);
  return new Promise((resolve, reject) => {
    call(request, new Metadata(), { deadline }, (error, response) => {
      if (error) reject(new CallError(error.code, error.details || error.message));
      else if (!response) reject(new CallError(status.INTERNAL, 'empty response'));
      else resolve(response);
    });
  });
}
