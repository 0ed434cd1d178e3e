import { startGrpcApp, VALIDATOR_PACKAGE, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';
import { runApp } from '@connaisseur-mesh/observability';
import { ValidatorNotationModule } from './validator-notation.module';

/** validator-notation: verifies Notary Project (notation) signatures behind connaisseur_mesh.validator.v1. */
export function bootstrap() {
  return startGrpcApp({
    name: 'validator-notation',
    module: ValidatorNotationModule,
    package: VALIDATOR_PACKAGE,
    protoFile: VALIDATOR_PROTO,
    service: VALIDATOR_SERVICE,
    grpcPort: 50053,
    opsPort: 9093,
  });
}

if (require.main === module) runApp('validator-notation', bootstrap);
