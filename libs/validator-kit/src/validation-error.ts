import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { RegistryError } from '@connaisseur-mesh/registry-client';

/**
 * The answers that are not verdicts (ARCHITECTURE.md "Validator contract"): a gRPC status with
 * a message. Rejections are data (a REJECTED response); these say why no verdict was reached.
 */
export function rpcError(code: status, message: string): RpcException {
  return new RpcException({ code, message });
}

/** Registry trouble as the contract's status codes; undefined for what is a verdict instead. */
export function statusOfRegistryError(e: RegistryError): status | undefined {
  switch (e.kind) {
    case 'unauthorized':
      return status.FAILED_PRECONDITION;
    case 'unavailable':
      return status.UNAVAILABLE;
    case 'deadline':
      return status.DEADLINE_EXCEEDED;
    default:
      return undefined;
  }
}

/** An AbortSignal for the call's gRPC deadline (a missing deadline gets `fallbackMs`). */
export function deadlineSignal(deadline: Date | number | undefined, fallbackMs = 30_000): AbortSignal {
  const at = deadline instanceof Date ? deadline.getTime() : typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : Date.now() + fallbackMs;
  return AbortSignal.timeout(Math.max(0, at - Date.now()));
}
