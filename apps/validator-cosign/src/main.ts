import { startGrpcApp, VALIDATOR_PACKAGE, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';
import { runApp } from '@connaisseur-mesh/observability';
import { ValidatorCosignModule } from './validator-cosign.module';

/** validator-cosign: verifies Sigstore/cosign signatures behind connaisseur_mesh.validator.v1. */
export function bootstrap() {
  return startGrpcApp({
    name: 'validator-cosign',
    module: ValidatorCosignModule,
    package: VALIDATOR_PACKAGE,
    protoFile: VALIDATOR_PROTO,
    service: VALIDATOR_SERVICE,
    grpcPort: 50051,
    opsPort: 9091,
  });
}

if (require.main === module) runApp('validator-cosign', bootstrap);
