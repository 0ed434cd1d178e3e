import { validatorV1 } from '@connaisseur-mesh/contracts';
import { CallError, clientCredentials, serviceClient, unaryCall, VALIDATOR_PROTO, VALIDATOR_SERVICE } from '@connaisseur-mesh/grpc';

export type ValidatorCallResult = { response: validatorV1.ValidateImageResponse } | { error: { code: number; details: string } };

/** One ValidateImage call over gRPC, as management makes it (for tests of validator services). */
export async function callValidator(address: string, request: Partial<validatorV1.ValidateImageRequest>, timeoutMs = 15_000): Promise<ValidatorCallResult> {
  const Client = serviceClient(VALIDATOR_PROTO, VALIDATOR_SERVICE);
  const client = new Client(address, clientCredentials());
  try {
    return { response: await unaryCall<typeof request, validatorV1.ValidateImageResponse>(client, 'ValidateImage', request, new Date(Date.now() + timeoutMs)) };
  } catch (e) {
    if (e instanceof CallError) return { error: { code: e.code, details: e.details } };
    throw e;
  } finally {
    client.close();
  }
}

/** A request for `image` (registry/repository[:tag][@digest]) with management's option defaults. */
export function validateRequest(
  validatorName: string,
  image: { registry: string; repository: string; tag?: string; digest?: string },
  options: Partial<validatorV1.RuleOptions> = {},
): validatorV1.ValidateImageRequest {
  const original = `${image.registry}/${image.repository}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
  return {
    image: { original, registry: image.registry, repository: image.repository, tag: image.tag ?? '', digest: image.digest ?? '' },
    validatorName,
    options: {
      trustRoot: 'default',
      threshold: 0,
      required: [],
      delegations: [],
      verifyInTransparencyLog: true,
      verifySct: true,
      verificationLevel: 'strict',
      verifyTimestamp: 'always',
      ...options,
    },
    extraOptions: undefined,
    context: { requestUid: 'test', namespace: 'default' },
  };
}
