import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/**
 * The configuration file every service reads (ARCHITECTURE.md "Configuration file"): Connaisseur's
 * `application` section (validators, policy, features, logLevel, logFormat) plus `alerting`, and
 * our own keys `policyMatching` and `admission`. Parsing is strict: unknown keys are errors.
 *
 * These classes are the single description of the format: class-validator checks a loaded file
 * against them, and `npm run schema:generate` derives the published JSON Schema from them.
 */

const REQUIRED = { message: 'is required' };
const STRING = { message: 'must be a string' };
const BOOLEAN = { message: 'must be a boolean' };
const INTEGER = { message: 'must be an integer' };
const LIST = { message: 'must be a list' };
const MAP = { message: 'must be a map' };
const oneOf = (values: readonly string[]) => ({ message: `must be one of ${values.map((v) => `"${v}"`).join(', ')}` });

export const VALIDATOR_TYPES = ['static', 'cosign', 'notaryv1', 'notation', 'external'] as const;
export type ValidatorType = (typeof VALIDATOR_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// validators[]

export class KeylessIdentity {
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) issuer?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) issuerRegex?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) subject?: string;
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) subjectRegex?: string;
}

@JSONSchema({ description: 'A named trust root: exactly one of key, cert or keyless (which ones depends on the validator type).' })
export class TrustRoot {
  @IsString(STRING) @IsNotEmpty(REQUIRED) name!: string;
  @JSONSchema({ description: 'PEM public key (PKIX "PUBLIC KEY").' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) key?: string;
  @JSONSchema({ description: 'PEM X.509 certificate (notation).' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) cert?: string;
  @JSONSchema({ description: 'PEM root certificate of a timestamping authority (notation).' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) tsCert?: string;
  @JSONSchema({ description: 'Sigstore keyless identity (cosign): one of issuer/issuerRegex and one of subject/subjectRegex.' })
  @IsOptional() @ValidateNested() @Type(() => KeylessIdentity) keyless?: KeylessIdentity;
}

@JSONSchema({ description: 'Registry (or notary) credentials: the name of a mounted secret directory.' })
export class Auth {
  @JSONSchema({ description: 'Directory under SECRETS_DIR holding secret.yaml or .dockerconfigjson.' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) secretName?: string;
  @JSONSchema({ description: 'Not supported yet.' })
  @IsOptional() @IsBoolean(BOOLEAN) useKeychain?: boolean;
  @JSONSchema({ description: 'Not supported yet: put credentials in a secret (secretName).' })
  @IsOptional() @IsString(STRING) username?: string;
  @JSONSchema({ description: 'Not supported yet: put credentials in a secret (secretName).' })
  @IsOptional() @IsString(STRING) password?: string;
  @JSONSchema({ description: 'Not supported yet: put credentials in a secret (secretName).' })
  @IsOptional() @IsString(STRING) registry?: string;
}

export class CosignHost {
  @JSONSchema({ description: 'Not supported yet: online Rekor look-ups.' })
  @IsOptional() @IsString(STRING) rekor?: string;
  @JSONSchema({ description: 'PEM public key of the Rekor log (default: Sigstore public-good).' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) rekorPubkey?: string;
  @JSONSchema({ description: 'PEM Fulcio root certificate(s) for keyless trust roots (default: Sigstore public-good).' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) fulcioCert?: string;
  @JSONSchema({ description: 'PEM public key of the certificate transparency log (default: Sigstore public-good).' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) ctLogPubkey?: string;
}

abstract class ValidatorBase {
  @IsString(STRING) @IsNotEmpty(REQUIRED) name!: string;
  abstract type: ValidatorType;
}

@JSONSchema({ description: 'Admits (approve: true) or denies every image its rules send it; never cached.' })
export class StaticValidator extends ValidatorBase {
  @IsIn(['static']) type!: 'static';
  @IsOptional() @IsBoolean(BOOLEAN) approve: boolean = false;
}

abstract class SignatureValidator extends ValidatorBase {
  @IsArray(LIST) @ArrayMinSize(1, { message: 'must name at least one trust root' })
  @ValidateNested({ each: true }) @Type(() => TrustRoot)
  trustRoots!: TrustRoot[];
  @IsOptional() @ValidateNested() @Type(() => Auth) auth?: Auth;
  @JSONSchema({ description: 'PEM CA certificate(s) for the registry (and notary) TLS; replaces the system roots.' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) cert?: string;
}

@JSONSchema({ description: 'Sigstore/cosign signatures (validator-cosign service).' })
export class CosignValidator extends SignatureValidator {
  @IsIn(['cosign']) type!: 'cosign';
  @IsOptional() @ValidateNested() @Type(() => CosignHost) host?: CosignHost;
}

@JSONSchema({ description: 'Notary v1 / Docker Content Trust (validator-notaryv1 service).' })
export class NotaryV1Validator extends SignatureValidator {
  @IsIn(['notaryv1']) type!: 'notaryv1';
  @JSONSchema({ description: 'Notary server URL (default https://notary.docker.io).' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) host?: string;
}

@JSONSchema({ description: 'Notary Project signatures (validator-notation service).' })
export class NotationValidator extends SignatureValidator {
  @IsIn(['notation']) type!: 'notation';
}

@JSONSchema({ description: 'Any service implementing connaisseur_mesh.validator.v1.ValidatorService.' })
export class ExternalValidator extends ValidatorBase {
  @IsIn(['external']) type!: 'external';
  @JSONSchema({ description: 'host:port of the gRPC service.' })
  @IsString(STRING) @IsNotEmpty(REQUIRED) address!: string;
}

export type ValidatorConfig = StaticValidator | CosignValidator | NotaryV1Validator | NotationValidator | ExternalValidator;

export const VALIDATOR_CLASSES = {
  static: StaticValidator,
  cosign: CosignValidator,
  notaryv1: NotaryV1Validator,
  notation: NotationValidator,
  external: ExternalValidator,
} as const;

// ---------------------------------------------------------------------------------------------
// policy[]

export const RULE_MODES = ['mutate', 'insecureValidateOnly'] as const;
export const VERIFICATION_LEVELS = ['strict', 'permissive', 'audit'] as const;
export const VERIFY_TIMESTAMP = ['always', 'afterCertExpiry'] as const;

@JSONSchema({ description: "The rule's options. Which keys apply depends on the validator type; external validators get every key." })
export class RuleOptions {
  @JSONSchema({ description: 'Trust root name, or "*" for all (default "default").' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) trustRoot?: string;
  @JSONSchema({ description: 'cosign with trustRoot "*": how many distinct trust roots must have signed (default: all).' })
  @IsOptional() @IsInt(INTEGER) @Min(1, { message: 'must be ≥ 1' }) threshold?: number;
  @JSONSchema({ description: 'cosign: trust roots that must have signed.' })
  @IsOptional() @IsArray(LIST) @ArrayMinSize(1, { message: 'must name at least one trust root' })
  @IsString({ each: true, message: 'must be a list of strings' }) @IsNotEmpty({ each: true, message: 'must not contain empty names' })
  required?: string[];
  @JSONSchema({ description: 'notaryv1: delegation roles that must have signed.' })
  @IsOptional() @IsArray(LIST) @ArrayMinSize(1, { message: 'must name at least one delegation' })
  @IsString({ each: true, message: 'must be a list of strings' }) @IsNotEmpty({ each: true, message: 'must not contain empty names' })
  delegations?: string[];
  @IsOptional() @IsBoolean(BOOLEAN) verifyInTransparencyLog?: boolean;
  @IsOptional() @IsBoolean(BOOLEAN) verifySCT?: boolean;
  @JSONSchema({ description: 'mutate (default) pins the image to the verified digest; insecureValidateOnly does not.' })
  @IsOptional() @IsIn(RULE_MODES, oneOf(RULE_MODES)) mode?: (typeof RULE_MODES)[number];
  @IsOptional() @IsIn(VERIFICATION_LEVELS, oneOf(VERIFICATION_LEVELS)) verificationLevel?: (typeof VERIFICATION_LEVELS)[number];
  @IsOptional() @IsIn(VERIFY_TIMESTAMP, oneOf(VERIFY_TIMESTAMP)) verifyTimestamp?: (typeof VERIFY_TIMESTAMP)[number];
}

export class PolicyRule {
  @JSONSchema({ description: 'Glob matched against the normalized image name (see policyMatching).' })
  @IsString(STRING) @IsNotEmpty(REQUIRED) pattern!: string;
  @JSONSchema({ description: 'Validator name (default "default").' })
  @IsOptional() @IsString(STRING) @IsNotEmpty(REQUIRED) validator: string = 'default';
  // Validated per validator type by the loader (external validators accept any keys).
  @IsOptional() @IsObject(MAP) with?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// features, alerting, admission

export class CacheFeature {
  @JSONSchema({ description: 'Seconds a validation result is reused; 0 or less disables the cache.' })
  @IsOptional() @IsInt(INTEGER) expirySeconds: number = 30;
  @JSONSchema({ description: 'Also cache rejections.' })
  @IsOptional() @IsBoolean(BOOLEAN) cacheErrors: boolean = true;
}

export const NAMESPACED_VALIDATION_MODES = ['ignore', 'validate'] as const;
export class NamespacedValidation {
  @IsIn(NAMESPACED_VALIDATION_MODES, oneOf(NAMESPACED_VALIDATION_MODES)) mode!: (typeof NAMESPACED_VALIDATION_MODES)[number];
}

export const RESOURCE_VALIDATION_MODES = ['all', 'podsOnly'] as const;
export class Features {
  @IsOptional() @IsBoolean(BOOLEAN) automaticChildApproval: boolean = true;
  @IsOptional() @IsBoolean(BOOLEAN) automaticUnchangedApproval: boolean = false;
  @IsOptional() @IsBoolean(BOOLEAN) detectionMode: boolean = false;
  @JSONSchema({ description: 'Used by the webhook registration (namespaceSelector) only.' })
  @IsOptional() @ValidateNested() @Type(() => NamespacedValidation) namespacedValidation?: NamespacedValidation;
  @IsOptional() @IsIn(RESOURCE_VALIDATION_MODES, oneOf(RESOURCE_VALIDATION_MODES))
  resourceValidationMode: (typeof RESOURCE_VALIDATION_MODES)[number] = 'all';
  @IsOptional() @ValidateNested() @Type(() => CacheFeature) cache: CacheFeature = new CacheFeature();
}

export class AlertReceiver {
  @JSONSchema({
    description: 'Template name: slack, opsgenie, keybase, msteams, ecs-1-12-0, or <name>.json in ALERT_TEMPLATES_DIR (checked when the alerting service starts).',
  })
  @IsString(STRING) @IsNotEmpty(REQUIRED)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be a template name (letters, digits, ".", "_" and "-")' })
  template!: string;
  @IsString(STRING) @IsNotEmpty(REQUIRED) receiverUrl!: string;
  @IsOptional() @IsInt(INTEGER) @Min(0, { message: 'must be ≥ 0' }) priority: number = 3;
  @JSONSchema({ description: '"Name: value" headers, split at the first colon.' })
  @IsOptional() @IsArray(LIST) @ArrayMinSize(1, { message: 'must have at least one entry when present' })
  @IsString({ each: true, message: 'must be a list of strings' })
  customHeaders?: string[];
  @JSONSchema({ description: 'Merged into the top level of the rendered payload.', additionalProperties: true })
  @IsOptional() @IsObject(MAP) payloadFields?: Record<string, unknown>;
  @JSONSchema({ description: 'Deny the request when this receiver cannot be notified (also in detection mode).' })
  @IsOptional() @IsBoolean(BOOLEAN) failIfAlertSendingFails: boolean = false;
}

export class AlertStreamConfig {
  @IsArray(LIST) @ValidateNested({ each: true }) @Type(() => AlertReceiver) receivers: AlertReceiver[] = [];
}

export class AlertingConfig {
  @IsOptional() @IsString(STRING) clusterIdentifier: string = 'not specified';
  @IsOptional() @ValidateNested() @Type(() => AlertStreamConfig) admitRequest?: AlertStreamConfig;
  @IsOptional() @ValidateNested() @Type(() => AlertStreamConfig) rejectRequest?: AlertStreamConfig;
}

export class AdmissionSettings {
  @JSONSchema({ description: 'Budget for one admission request, under the webhook timeout (default 28).' })
  @IsOptional() @IsNumber({}, { message: 'must be a number' }) @Min(1, { message: 'must be ≥ 1' }) @Max(30, { message: 'must be ≤ 30' })
  timeoutSeconds: number = 28;

  @JSONSchema({
    description: 'Admissions management reads and decides at once; more are denied with status code 429 (default 256, above the 200 mutating requests one API server runs at once by default).',
  })
  @IsOptional() @IsInt(INTEGER) @Min(1, { message: 'must be ≥ 1' })
  maxInFlight: number = 256;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LOG_FORMATS = ['json', 'json-pretty'] as const;
export const POLICY_MATCHING = ['strict', 'connaisseur'] as const;

@JSONSchema({ title: 'Connaisseur Mesh configuration' })
export class MeshConfig {
  // Checked per element by the loader (their class depends on `type`).
  @IsOptional() @IsArray(LIST) validators: ValidatorConfig[] = [];
  @IsOptional() @IsArray(LIST) @ValidateNested({ each: true }) @Type(() => PolicyRule) policy: PolicyRule[] = [];
  @IsOptional() @ValidateNested() @Type(() => Features) features: Features = new Features();
  @IsOptional() @ValidateNested() @Type(() => AlertingConfig) alerting?: AlertingConfig;
  @IsOptional() @IsIn(LOG_LEVELS, oneOf(LOG_LEVELS)) logLevel: (typeof LOG_LEVELS)[number] = 'info';
  @IsOptional() @IsIn(LOG_FORMATS, oneOf(LOG_FORMATS)) logFormat: (typeof LOG_FORMATS)[number] = 'json';
  @JSONSchema({ description: 'strict (default): normalized, anchored patterns; connaisseur: the legacy matcher.' })
  @IsOptional() @IsIn(POLICY_MATCHING, oneOf(POLICY_MATCHING)) policyMatching: (typeof POLICY_MATCHING)[number] = 'strict';
  @IsOptional() @ValidateNested() @Type(() => AdmissionSettings) admission: AdmissionSettings = new AdmissionSettings();
}
