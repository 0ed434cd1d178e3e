/**
 * What can go wrong talking to a registry, in the categories the validator contract maps to
 * verdicts and gRPC status codes (ARCHITECTURE.md "Validator contract").
 */
export type RegistryErrorKind =
  /** 404: the manifest, tag or blob does not exist (a verdict: REJECTED). */
  | 'not-found'
  /** 401/403 after authenticating, or credentials the registry refuses (FAILED_PRECONDITION). */
  | 'unauthorized'
  /** Connection refused or reset, timeouts of single requests, 5xx/429 after retries (UNAVAILABLE). */
  | 'unavailable'
  /** The caller's deadline passed (DEADLINE_EXCEEDED). */
  | 'deadline'
  /** Content that cannot be trusted: wrong digest, too large, not JSON (a verdict: REJECTED). */
  | 'invalid-content';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    /** Worth another attempt (a reset connection, a timeout), unlike a certificate error. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** A body over the cap of its request (invalid content: a hostile registry must not exhaust memory). */
export class BodyTooLarge extends RegistryError {
  constructor(
    where: string,
    readonly limit: number,
  ) {
    super('invalid-content', `${where} is larger than ${limit} bytes`);
  }
}

/** A series of downloads that needs more than its ByteBudget; a verdict (REJECTED), like other content that cannot be trusted. */
export class OverBudget extends RegistryError {
  constructor(message: string) {
    super('invalid-content', message);
  }
}
