import { startGrpcApp, VALIDATOR_PACKAGE, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';
import { runApp } from '@connaisseur-mesh/observability';
import { ValidatorNotaryV1Module } from './validator-notaryv1.module';

/** validator-notaryv1: verifies Notary v1 (Docker Content Trust) signatures behind connaisseur_mesh.validator.v1. */
export function bootstrap() {
  return startGrpcApp({
    name: 'validator-notaryv1',
    module: ValidatorNotaryV1Module,
    package: VALIDATOR_PACKAGE,
    protoFile: VALIDATOR_PROTO,
    service: VALIDATOR_SERVICE,
    grpcPort: 50052,
    opsPort: 9092,
  });
}

if (require.main === module) runApp('validator-notaryv1', bootstrap);
