import { Metadata, ServerUnaryCall, status } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { validatorV1 } from '@connaisseur-mesh/contracts';
import { Logger, LOGGER } from '@connaisseur-mesh/observability';
import { RegistryError } from '@connaisseur-mesh/registry-client';
import { deadlineSignal, rpcError, statusOfRegistryError } from '@connaisseur-mesh/validator-kit';
import { UnanswerableRequest, verifyImage } from './cosign-verifier';
import { CosignValidators } from './cosign-validators';

const { Verdict } = validatorV1;

@Controller()
@validatorV1.ValidatorServiceControllerMethods()
export class CosignValidatorController implements validatorV1.ValidatorServiceController {
  constructor(
    private readonly validators: CosignValidators,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async validateImage(
    request: validatorV1.ValidateImageRequest,
    _metadata?: Metadata,
    call?: ServerUnaryCall<validatorV1.ValidateImageRequest, validatorV1.ValidateImageResponse>,
  ): Promise<validatorV1.ValidateImageResponse> {
    const started = performance.now();
    const validator = this.validators.get(request.validatorName);
    const log = { image: request.image?.original, validator: request.validatorName, uid: request.context?.requestUid };
    if (!validator) {
      throw rpcError(status.FAILED_PRECONDITION, `validator-cosign has no cosign validator named "${request.validatorName}"`);
    }
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const response = await verifyImage(validator, request, deadlineSignal(call?.getDeadline()));
      const verified = response.verdict === Verdict.VERDICT_VERIFIED;
      this.validators.metrics.verification(validator.name, verified ? 'verified' : 'rejected', seconds());
      this.logger.info({ ...log, verdict: verified ? 'verified' : 'rejected', digest: response.digest || undefined, reason: response.reason || undefined, durationMs: Math.round(seconds() * 1000) }, 'verification');
      return response;
    } catch (e) {
      if (e instanceof RegistryError) {
        const code = statusOfRegistryError(e);
        if (code === undefined) {
          // Content that cannot be trusted (wrong digest, too large): a verdict, not an outage.
          this.validators.metrics.verification(validator.name, 'rejected', seconds());
          return { verdict: Verdict.VERDICT_REJECTED, digest: '', reason: e.message, details: [] };
        }
        this.validators.metrics.verification(validator.name, 'error', seconds());
        this.logger.warn({ ...log, code: status[code], err: e.message }, 'verification failed');
        throw rpcError(code, e.message);
      }
      this.validators.metrics.verification(validator.name, 'error', seconds());
      if (e instanceof UnanswerableRequest) {
        throw rpcError(e.kind === 'invalid' ? status.INVALID_ARGUMENT : status.FAILED_PRECONDITION, e.message);
      }
      this.logger.error({ ...log, err: (e as Error).message }, 'verification crashed');
      throw rpcError(status.INTERNAL, `validator-cosign: ${(e as Error).message}`);
    }
  }
}
