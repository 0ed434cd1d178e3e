import { bindAddress, envPort, envString } from '@connaisseur-mesh/config';

/** Management's environment (ARCHITECTURE.md): listeners, webhook TLS and where the services are. */
export interface ManagementEnv {
  host: string;
  port: number;
  opsPort: number;
  tlsCert?: string;
  tlsKey?: string;
  /** Addresses of the validator services by validator type. */
  validatorAddresses: { cosign: string; notaryv1: string; notation: string };
  alertingAddress: string;
}

export const MANAGEMENT_ENV = Symbol('MANAGEMENT_ENV');

export function readManagementEnv(): ManagementEnv {
  const tlsCert = envString('TLS_CERT');
  const tlsKey = envString('TLS_KEY');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new Error('TLS_CERT and TLS_KEY must be set together');
  return {
    host: bindAddress(),
    port: envPort('PORT', 5000),
    opsPort: envPort('OPS_PORT', 9090),
    tlsCert,
    tlsKey,
    validatorAddresses: {
      cosign: envString('VALIDATOR_COSIGN_ADDRESS', '127.0.0.1:50051'),
      notaryv1: envString('VALIDATOR_NOTARYV1_ADDRESS', '127.0.0.1:50052'),
      notation: envString('VALIDATOR_NOTATION_ADDRESS', '127.0.0.1:50053'),
    },
    alertingAddress: envString('ALERTING_ADDRESS', '127.0.0.1:50054'),
  };
}
