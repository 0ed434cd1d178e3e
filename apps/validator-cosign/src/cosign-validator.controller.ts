import { status } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { validatorV1 } from '@connaisseur-mesh/contracts';

@Controller()
@validatorV1.ValidatorServiceControllerMethods()
export class CosignValidatorController implements validatorV1.ValidatorServiceController {
  /** Not built yet: answers UNIMPLEMENTED, which management turns into a denial. Nothing pretends to verify. */
  validateImage(): never {
    throw new RpcException({ code: status.UNIMPLEMENTED, message: 'validator-cosign: Sigstore/cosign verification is not implemented yet' });
  }
}
