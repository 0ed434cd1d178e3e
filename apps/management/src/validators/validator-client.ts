import { validatorV1 } from '@connaisseur-mesh/contracts';
import { CallError, ServiceChannel, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';

/** An RPC that ended without a response: management denies the image and names the validator. */
export { CallError as ValidatorCallError };

/** One channel to one validator service (cosign, notaryv1, notation or an external one). */
export class ValidatorClient extends ServiceChannel {
  constructor(address: string) {
    super(address, VALIDATOR_PROTO, VALIDATOR_SERVICE);
  }

  validateImage(request: validatorV1.ValidateImageRequest, deadline: Date): Promise<validatorV1.ValidateImageResponse> {
    return this.call('ValidateImage', request, deadline);
  }
}
