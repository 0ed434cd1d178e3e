import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { parseDocument } from 'yaml';
import { globToRegexSource, PolicyMatcher } from '@connaisseur-mesh/policy';
import {
  AlertingConfig,
  Auth,
  CosignValidator,
  ExternalValidator,
  MeshConfig,
  NotaryV1Validator,
  NotationValidator,
  PolicyRule,
  RuleOptions,
  TrustRoot,
  VALIDATOR_CLASSES,
  ValidatorConfig,
  ValidatorType,
} from './mesh-config';
import { headerProblem, streamReceivers } from './alerting';
import { isKmsReference, parseCertificatesPem, parsePublicKeyPem } from './pem';

/** Validator types whose service exists. The others load as errors ("not supported yet"). */
export const SUPPORTED_VALIDATOR_TYPES: readonly ValidatorType[] = ['static', 'external', 'cosign'];

/** The `with` keys each validator type uses; a key another type would use is a load error. */
const RULE_OPTIONS_BY_TYPE: Record<Exclude<ValidatorType, 'external'>, readonly (keyof RuleOptions)[]> = {
  static: ['mode'],
  cosign: ['mode', 'trustRoot', 'threshold', 'required', 'verifyInTransparencyLog', 'verifySCT'],
  notaryv1: ['mode', 'trustRoot', 'delegations'],
  notation: ['mode', 'trustRoot', 'verificationLevel', 'verifyTimestamp'],
};
const RULE_OPTION_KEYS = new Set<string>(Object.values(RULE_OPTIONS_BY_TYPE).flat());

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: MeshConfig;
  /** Things that load but are probably mistakes (identical rule patterns). */
  warnings: string[];
  /** sha256 of the file's bytes; part of every cache key, so a new config never reuses old results. */
  version: string;
  source: string;
}

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`cannot read the file: ${(e as Error).message}`]);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, source = '<config>'): LoadedConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message}`));
  const { config, problems, warnings } = validateConfig(doc.toJS());
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { config: config!, warnings, version: createHash('sha256').update(text).digest('hex'), source };
}

/** Validates a parsed document; returns every problem with its path. */
export function validateConfig(raw: unknown): { config?: MeshConfig; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!isMap(raw)) return { problems: ['the configuration must be a YAML map'], warnings };

  const normalized = { ...raw };
  normalizeCaseInsensitiveValues(normalized);
  const config = checkClass(MeshConfig, normalized, '', problems);

  const validators: ValidatorConfig[] = [];
  if (Array.isArray(raw.validators)) {
    raw.validators.forEach((v, i) => {
      const validator = checkValidator(v, `validators[${i}]`, problems);
      if (validator) validators.push(validator);
    });
  }
  config.validators = validators;
  checkUniqueNames(validators.map((v) => v.name), 'validators', 'validator', problems);

  const byName = new Map(validators.map((v) => [v.name, v]));
  (Array.isArray(config.policy) ? config.policy : []).forEach((rule, i) =>
    checkRule(rule, byName, `policy[${i}]`, problems),
  );
  if (config.alerting instanceof AlertingConfig) checkAlerting(config.alerting, problems);
  if (problems.length === 0) warnings.push(...duplicatePatternWarnings(config));
  return { config, problems, warnings };
}

// ---------------------------------------------------------------------------------------------

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Connaisseur reads resourceValidationMode and logLevel case-insensitively (PODSONLY, INFO). */
function normalizeCaseInsensitiveValues(raw: Record<string, unknown>) {
  const features = raw.features;
  if (isMap(features) && typeof features.resourceValidationMode === 'string') {
    const mode = { all: 'all', podsonly: 'podsOnly' }[features.resourceValidationMode.toLowerCase()];
    if (mode) raw.features = { ...features, resourceValidationMode: mode };
  }
  if (typeof raw.logLevel === 'string') raw.logLevel = raw.logLevel.toLowerCase();
}

/** class-transformer + class-validator on one object; problems get `path` as prefix. */
function checkClass<T extends object>(cls: new () => T, raw: unknown, path: string, problems: string[]): T {
  const instance = plainToInstance(cls, raw, { exposeDefaultValues: true }) as T;
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  flattenErrors(errors, path, problems);
  return instance;
}

// A wrong type is reported before range or content problems of the same value.
const TYPE_CONSTRAINTS = ['isString', 'isBoolean', 'isInt', 'isNumber', 'isArray', 'isObject'];

function flattenErrors(errors: ValidationError[], prefix: string, out: string[]) {
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    const constraints = error.constraints ?? {};
    // A list of maps that is not a list fails both isArray and nestedValidation: say "list".
    const type = TYPE_CONSTRAINTS.find((c) => constraints[c]);
    if (constraints.whitelistValidation) out.push(`${path}: unknown key`);
    else if (constraints.nestedValidation && !type) out.push(`${path}: must be a map`);
    else if (Object.keys(constraints).length > 0) {
      const message = error.value === undefined || error.value === null ? 'is required' : constraints[type ?? Object.keys(constraints)[0]];
      out.push(`${path}: ${message}`);
    }
    if (error.children?.length) flattenErrors(error.children, path, out);
  }
}

function checkValidator(raw: unknown, path: string, problems: string[]): ValidatorConfig | undefined {
  if (!isMap(raw)) {
    problems.push(`${path}: must be a map`);
    return undefined;
  }
  if (typeof raw.name !== 'string' || raw.name === '') problems.push(`${path}.name: validator is missing a name`);
  if (raw.type === undefined) {
    problems.push(`${path}.type: validator is missing a type`);
    return undefined;
  }
  const type = raw.type as ValidatorType;
  const cls = typeof raw.type === 'string' ? VALIDATOR_CLASSES[type] : undefined;
  if (!cls) {
    problems.push(`${path}.type: unsupported type "${String(raw.type)}" (one of ${Object.keys(VALIDATOR_CLASSES).join(', ')})`);
    return undefined;
  }
  const before = problems.length;
  const validator = checkClass<ValidatorConfig>(cls, raw, path, problems);
  if (!SUPPORTED_VALIDATOR_TYPES.includes(type)) {
    problems.push(`${path}.type: "${type}" validators are not supported yet (their service is not built)`);
  }
  if (problems.length > before) return validator;

  if (validator instanceof CosignValidator) checkCosign(validator, path, problems);
  else if (validator instanceof NotaryV1Validator) checkNotaryV1(validator, path, problems);
  else if (validator instanceof NotationValidator) checkNotation(validator, path, problems);
  else if (validator instanceof ExternalValidator) checkAddress(validator.address, `${path}.address`, problems);
  if ('auth' in validator && validator.auth) checkAuth(validator.auth, `${path}.auth`, problems);
  if ('cert' in validator && validator.cert) checkPem(() => parseCertificatesPem(validator.cert!), `${path}.cert`, problems);
  if ('trustRoots' in validator) {
    checkUniqueNames(validator.trustRoots.map((t) => t.name), `${path}.trustRoots`, 'trust root', problems);
  }
  return validator;
}

function checkCosign(v: CosignValidator, path: string, problems: string[]) {
  v.trustRoots.forEach((root, i) => {
    const at = `${path}.trustRoots[${i}]`;
    onlyKeys(root, ['key', 'keyless'], at, 'cosign', problems);
    if (root.key !== undefined) {
      if (isKmsReference(root.key)) problems.push(`${at}.key: KMS key references are not supported yet`);
      else checkPem(() => parsePublicKeyPem(root.key!), `${at}.key`, problems);
    }
    if (root.keyless) {
      const k = root.keyless;
      if ((k.issuer === undefined) === (k.issuerRegex === undefined)) {
        problems.push(`${at}.keyless: needs exactly one of issuer and issuerRegex`);
      }
      if ((k.subject === undefined) === (k.subjectRegex === undefined)) {
        problems.push(`${at}.keyless: needs exactly one of subject and subjectRegex`);
      }
      for (const key of ['issuerRegex', 'subjectRegex'] as const) {
        if (k[key] === undefined) continue;
        try {
          new RegExp(k[key]!);
        } catch (e) {
          problems.push(`${at}.keyless.${key}: invalid regular expression (${(e as Error).message})`);
        }
      }
    }
  });
  const host = v.host;
  if (!host) return;
  if (host.rekor !== undefined) {
    problems.push(
      `${path}.host.rekor: online Rekor look-ups are not supported yet (signatures are verified offline against their Rekor bundle with host.rekorPubkey)`,
    );
  }
  if (host.rekorPubkey) checkPem(() => parsePublicKeyPem(host.rekorPubkey!), `${path}.host.rekorPubkey`, problems);
  if (host.ctLogPubkey) checkPem(() => parsePublicKeyPem(host.ctLogPubkey!), `${path}.host.ctLogPubkey`, problems);
  if (host.fulcioCert) checkPem(() => parseCertificatesPem(host.fulcioCert!), `${path}.host.fulcioCert`, problems);
}

function checkNotaryV1(v: NotaryV1Validator, path: string, problems: string[]) {
  v.trustRoots.forEach((root, i) => {
    const at = `${path}.trustRoots[${i}]`;
    onlyKeys(root, ['key'], at, 'notaryv1', problems);
    if (root.key !== undefined) checkPem(() => parsePublicKeyPem(root.key!), `${at}.key`, problems);
  });
  if (v.host !== undefined) {
    try {
      new URL(/^https?:\/\//.test(v.host) ? v.host : `https://${v.host}`);
    } catch {
      problems.push(`${path}.host: invalid url for notary host`);
    }
  }
}

function checkNotation(v: NotationValidator, path: string, problems: string[]) {
  v.trustRoots.forEach((root, i) => {
    const at = `${path}.trustRoots[${i}]`;
    onlyKeys(root, ['cert'], at, 'notation', problems);
    if (root.cert !== undefined) checkPem(() => parseCertificatesPem(root.cert!), `${at}.cert`, problems);
    if (root.tsCert !== undefined) checkPem(() => parseCertificatesPem(root.tsCert!), `${at}.tsCert`, problems);
  });
}

/** A trust root holds exactly one of key, cert and keyless, and the type decides which. */
function onlyKeys(root: TrustRoot, allowed: readonly ('key' | 'cert' | 'keyless')[], at: string, type: string, problems: string[]) {
  const present = (['key', 'cert', 'keyless'] as const).filter((k) => root[k] !== undefined);
  for (const k of present.filter((k) => !allowed.includes(k))) {
    problems.push(`${at}.${k}: not used by ${type} validators (use ${allowed.join(' or ')})`);
  }
  if (root.tsCert !== undefined && type !== 'notation') problems.push(`${at}.tsCert: only used by notation validators`);
  if (present.length === 0) problems.push(`${at}: needs ${allowed.join(' or ')}`);
  if (present.length > 1) problems.push(`${at}: set only one of ${present.join(', ')}`);
}

function checkAuth(auth: Auth, path: string, problems: string[]) {
  for (const key of ['username', 'password', 'registry'] as const) {
    if (auth[key] !== undefined) {
      problems.push(`${path}.${key}: inline credentials are not supported yet (mount them as a secret and set auth.secretName)`);
    }
  }
  if (auth.useKeychain !== undefined) problems.push(`${path}.useKeychain: the Kubernetes keychain is not supported yet`);
  if (auth.secretName === undefined && auth.useKeychain === undefined) {
    problems.push(`${path}: neither secretName nor useKeychain defined`);
  }
  if (auth.secretName !== undefined && !/^[A-Za-z0-9._-]+$/.test(auth.secretName)) {
    problems.push(`${path}.secretName: must be a plain directory name`);
  }
}

function checkAddress(address: string, path: string, problems: string[]) {
  if (!/^(?:dns:\/\/\/)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/.test(address)) {
    problems.push(`${path}: must be host:port`);
  }
}

function checkPem(parse: () => unknown, path: string, problems: string[]) {
  try {
    parse();
  } catch (e) {
    problems.push(`${path}: ${(e as Error).message}`);
  }
}

function checkUniqueNames(names: string[], path: string, what: string, problems: string[]) {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.push(`${path}: more than one ${what} named "${name}"`);
    seen.add(name);
  }
}

function checkRule(rule: PolicyRule, validators: Map<string, ValidatorConfig>, path: string, problems: string[]) {
  if (typeof rule.pattern === 'string' && rule.pattern !== '') {
    try {
      new RegExp(globToRegexSource(rule.pattern));
    } catch (e) {
      problems.push(`${path}.pattern: ${(e as Error).message}`);
    }
  }
  const validator = validators.get(rule.validator);
  if (!validator) {
    if (typeof rule.validator === 'string') problems.push(`${path}.validator: no validator named "${rule.validator}"`);
    return;
  }
  if (rule.with === undefined || typeof rule.with !== 'object') return;
  const withPath = `${path}.with`;

  // External validators receive every key; typed keys are still checked for their types.
  const typed = validator.type === 'external'
    ? Object.fromEntries(Object.entries(rule.with).filter(([k]) => RULE_OPTION_KEYS.has(k)))
    : rule.with;
  const options = checkClass(RuleOptions, typed, withPath, problems);
  if (validator.type === 'external') return;

  const used = RULE_OPTIONS_BY_TYPE[validator.type];
  for (const key of Object.keys(rule.with)) {
    if (RULE_OPTION_KEYS.has(key) && !used.includes(key as keyof RuleOptions)) {
      problems.push(`${withPath}.${key}: not used by ${validator.type} validators`);
    }
  }
  if (!('trustRoots' in validator)) return;
  const rootNames = new Set(validator.trustRoots.map((t) => t.name));
  const trustRoot = options.trustRoot ?? 'default';
  if (trustRoot !== '*' && !rootNames.has(trustRoot)) {
    problems.push(
      `${withPath}.trustRoot: validator "${validator.name}" has no trust root "${trustRoot}"${options.trustRoot === undefined ? ' (the default when trustRoot is not set)' : ''}`,
    );
  }
  for (const name of options.required ?? []) {
    if (!rootNames.has(name)) problems.push(`${withPath}.required: validator "${validator.name}" has no trust root "${name}"`);
  }
  if (options.required !== undefined && trustRoot !== '*') problems.push(`${withPath}.required: only used with trustRoot "*"`);
  const keyless = validator.trustRoots.filter((t) => t.keyless && (trustRoot === '*' || t.name === trustRoot));
  if (options.verifyInTransparencyLog === false && keyless.length > 0) {
    problems.push(
      `${withPath}.verifyInTransparencyLog: keyless trust roots (${keyless.map((t) => t.name).join(', ')}) need the transparency log: it dates the short-lived certificate`,
    );
  }
  if (options.threshold !== undefined) {
    if (trustRoot !== '*') problems.push(`${withPath}.threshold: only used with trustRoot "*"`);
    else if (options.threshold > rootNames.size) {
      problems.push(`${withPath}.threshold: ${options.threshold} exceeds the ${rootNames.size} trust roots of validator "${validator.name}"`);
    }
  }
}

function checkAlerting(alerting: AlertingConfig, problems: string[]) {
  for (const stream of ['admit', 'reject'] as const) {
    for (const { receiver, path: at } of streamReceivers(alerting, stream)) {
      if (typeof receiver.receiverUrl === 'string') {
        let url: URL | undefined;
        try {
          url = new URL(receiver.receiverUrl);
        } catch {
          problems.push(`${at}.receiverUrl: must be a valid URL`);
        }
        if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
          problems.push(`${at}.receiverUrl: must be an http or https URL`);
        }
      }
      (receiver.customHeaders ?? []).forEach((header, j) => {
        const problem = typeof header === 'string' ? headerProblem(header) : undefined;
        if (problem) problems.push(`${at}.customHeaders[${j}]: ${problem}`);
      });
      if (receiver.payloadFields !== undefined && Object.keys(receiver.payloadFields).length === 0) {
        problems.push(`${at}.payloadFields: must have at least one entry when present`);
      }
    }
  }
}

function duplicatePatternWarnings(config: MeshConfig): string[] {
  return new PolicyMatcher(config.policy, config.policyMatching)
    .duplicatePatterns()
    .map((pattern) => `policy: more than one rule matches as "${pattern}"; only the last of them can win`);
}
