import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describeConformance, readConformance } from '@connaisseur-mesh/testing';
import { ConfigError, loadConfigFile, parseConfig, validateConfig } from './load-config';
import { streamReceivers } from './alerting';
import { StaticValidator } from './mesh-config';

const problemsOf = (raw: unknown) => validateConfig(raw).problems;

/** A fixture loads (`expected` null) or fails with a problem that starts with `expected`. */
function expectOutcome(problems: string[], expected: string | null) {
  if (expected === null) expect(problems).toEqual([]);
  else expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
}

const KEY = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvtc/qpHtx7iUUj+rRHR99a8mnGni
qiGkmUb9YpWWTS4YwlvwdmMDiGzcsHiDOYz6f88u2hCRF5GUCvyiZAKrsA==
-----END PUBLIC KEY-----
`;

describe('loading a configuration', () => {
  it('applies Connaisseur defaults', () => {
    const { config, warnings } = parseConfig('validators: [{name: default, type: static}]\npolicy: [{pattern: "*:*"}]\n');
    expect(config.validators[0]).toBeInstanceOf(StaticValidator);
    expect((config.validators[0] as StaticValidator).approve).toBe(false);
    expect(config.policy[0].validator).toBe('default');
    expect(config.features).toMatchObject({
      automaticChildApproval: true,
      automaticUnchangedApproval: false,
      detectionMode: false,
      resourceValidationMode: 'all',
      cache: { expirySeconds: 30, cacheErrors: true },
    });
    expect(config.policyMatching).toBe('strict');
    expect(config.admission).toEqual({ timeoutSeconds: 28, maxInFlight: 256 });
    expect(config.logLevel).toBe('info');
    expect(warnings).toEqual([]);
  });

  it('reads resourceValidationMode and logLevel case-insensitively, like Connaisseur', () => {
    const { config } = parseConfig('validators: []\nfeatures: {resourceValidationMode: PODSONLY}\nlogLevel: WARN\n');
    expect(config.features.resourceValidationMode).toBe('podsOnly');
    expect(config.logLevel).toBe('warn');
    expect(() => parseConfig('logLevel: verbose\n')).toThrow('logLevel: must be one of "debug", "info", "warn", "error", "fatal"');
  });

  it('gives each config a version that changes with its bytes', () => {
    const a = parseConfig('validators: []\n').version;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(parseConfig('validators: []\n').version).toBe(a);
    expect(parseConfig('validators: []\nlogLevel: debug\n').version).not.toBe(a);
  });

  it('lists every problem with its path', () => {
    const problems = problemsOf({
      validators: [
        { name: 'allow', type: 'static', approve: 'yes' },
        { name: 'allow', type: 'static', extra: 1 },
        { type: 'static' },
      ],
      policy: [
        { pattern: '*:*', validator: 'missing' },
        { pattern: '[abc', validator: 'allow' },
        { pattern: 'x', validator: 'allow', with: { trustRoot: 'default' } },
        { validator: 'allow' },
        { pattern: 'y', validator: 'allow', with: { mode: 'mutating' } },
      ],
      features: { detectionMode: 'true', cache: { expirySeconds: 1.5 } },
      admission: { timeoutSeconds: 31, maxInFlight: 0 },
      policyMatching: 'loose',
      surprise: true,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'validators[0].approve: must be a boolean',
        'validators[1].extra: unknown key',
        'validators[2].name: validator is missing a name',
        'validators: more than one validator named "allow"',
        'policy[0].validator: no validator named "missing"',
        'policy[1].pattern: invalid glob "[abc": unclosed "["',
        'policy[2].with.trustRoot: not used by static validators',
        'policy[3].pattern: is required',
        'policy[4].with.mode: must be one of "mutate", "insecureValidateOnly"',
        'features.detectionMode: must be a boolean',
        'features.cache.expirySeconds: must be an integer',
        'admission.timeoutSeconds: must be ≤ 30',
        'admission.maxInFlight: must be ≥ 1',
        'policyMatching: must be one of "strict", "connaisseur"',
        'surprise: unknown key',
      ]),
    );
  });

  it('says "not supported yet" with the path for features that are not built', () => {
    const problems = problemsOf({
      validators: [
        { name: 'nv1', type: 'notaryv1', trustRoots: [{ name: 'default', key: KEY }] },
        { name: 'nv2', type: 'notation', trustRoots: [{ name: 'default', cert: 'x' }] },
      ],
    });
    expect(problems).toContain('validators[0].type: "notaryv1" validators are not supported yet (their service is not built)');
    expect(problems).toContain('validators[1].type: "notation" validators are not supported yet (their service is not built)');
  });

  it('checks external validators', () => {
    expect(problemsOf({ validators: [{ name: 'x', type: 'external', address: '127.0.0.1:50051' }] })).toEqual([]);
    expect(problemsOf({ validators: [{ name: 'x', type: 'external', address: 'nope' }] })).toEqual([
      'validators[0].address: must be host:port',
    ]);
    expect(problemsOf({ validators: [{ name: 'x', type: 'external' }] })).toEqual(['validators[0].address: is required']);
  });

  it('passes any `with` key to external validators, still type-checking the known ones', () => {
    const base = { validators: [{ name: 'x', type: 'external', address: 'localhost:1' }] };
    expect(problemsOf({ ...base, policy: [{ pattern: '*', validator: 'x', with: { anything: [1], trustRoot: 'k' } }] })).toEqual([]);
    expect(problemsOf({ ...base, policy: [{ pattern: '*', validator: 'x', with: { threshold: 'two' } }] })).toEqual([
      'policy[0].with.threshold: must be an integer',
    ]);
  });

  it('checks alerting receivers', () => {
    const problems = problemsOf({
      validators: [],
      alerting: {
        admitRequest: {
          receivers: [{ template: 'slack', receiverUrl: 'not a url', customHeaders: ['NoColon'], payloadFields: {} }],
        },
        rejectRequest: { receivers: [{ receiverUrl: 'ftp://x', priority: -1 }] },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'alerting.admitRequest.receivers[0].receiverUrl: must be a valid URL',
        'alerting.admitRequest.receivers[0].customHeaders[0]: must be "Name: value"',
        'alerting.admitRequest.receivers[0].payloadFields: must have at least one entry when present',
        'alerting.rejectRequest.receivers[0].template: is required',
        'alerting.rejectRequest.receivers[0].priority: must be ≥ 0',
        'alerting.rejectRequest.receivers[0].receiverUrl: must be an http or https URL',
      ]),
    );
  });

  it('checks alert templates and headers so that every receiver can be sent to', () => {
    const receiver = { receiverUrl: 'https://alerts.example/hook' };
    const problems = problemsOf({
      alerting: {
        admitRequest: {
          receivers: [
            { ...receiver, template: '../../etc/passwd' },
            { ...receiver, template: 'opsgenie', customHeaders: [] },
            { ...receiver, template: 'opsgenie', customHeaders: ['X Key: 1', 'Authorization: GenieKey abc\r\nX: y', ': no name'] },
            { ...receiver, template: 'opsgenie', customHeaders: ['X-Test: test:ing', 'Content-Type:'] },
          ],
        },
        rejectRequest: { receivers: 'not a list' },
      },
    });
    expect(problems).toEqual([
      'alerting.admitRequest.receivers[0].template: must be a template name (letters, digits, ".", "_" and "-")',
      'alerting.admitRequest.receivers[1].customHeaders: must have at least one entry when present',
      'alerting.rejectRequest.receivers: must be a list',
      'alerting.admitRequest.receivers[2].customHeaders[0]: invalid header name "X Key"',
      // The value is never quoted: it may be an API key.
      'alerting.admitRequest.receivers[2].customHeaders[1]: the value has characters that a header cannot carry',
      'alerting.admitRequest.receivers[2].customHeaders[2]: must be "Name: value"',
    ]);
  });

  it('warns about rules that can never win', () => {
    const { warnings } = parseConfig(
      'validators: [{name: default, type: static}]\npolicy: [{pattern: "docker.io/*:*"}, {pattern: "index.docker.io/*:*"}]\n',
    );
    expect(warnings).toEqual(['policy: more than one rule matches as "index.docker.io/*:*"; only the last of them can win']);
  });

  it.each(['strict', 'connaisseur'])('warns about rules that differ only in the spelling of their registry (%s)', (mode) => {
    const { warnings } = parseConfig(
      `policyMatching: ${mode}\nvalidators: [{name: default, type: static}]\npolicy: [{pattern: "Registry.IO/*"}, {pattern: "registry.io:443/*"}]\n`,
    );
    expect(warnings).toEqual(['policy: more than one rule matches as "registry.io/*"; only the last of them can win']);
  });

  it('rejects files that are not YAML maps, and duplicate keys', () => {
    expect(() => parseConfig('- a\n- b\n')).toThrow('the configuration must be a YAML map');
    expect(() => parseConfig('logLevel: info\nlogLevel: debug\n')).toThrow(ConfigError);
    expect(() => parseConfig('a: [\n')).toThrow(/YAML/);
  });

  it('reports a missing file', () => {
    expect(() => loadConfigFile('/nonexistent/connaisseur.yaml')).toThrow(/cannot read the file/);
  });

  it('loads from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-config-'));
    writeFileSync(join(dir, 'c.yaml'), 'validators: [{name: default, type: static, approve: true}]\n');
    expect(loadConfigFile(join(dir, 'c.yaml')).config.validators).toHaveLength(1);
  });
});

/**
 * Connaisseur's config fixtures. `connaisseur` is whether Connaisseur loads the file; `ours` is
 * whether we do, with the problem we report. Where they differ, ARCHITECTURE.md decided it.
 */
describeConformance('Connaisseur config fixtures (config/)', () => {
  const cases: Array<[file: string, connaisseur: boolean, ours: string | null]> = [
    ['00_sample.yaml', true, null],
    ['01_val_no_name.yaml', false, 'validators[0].name: validator is missing a name'],
    ['02_val_no_type.yaml', false, 'validators[0].type: validator is missing a type'],
    ['03_unsupported_type.yaml', false, 'validators[0].type: unsupported type "stati"'],
    ['04_unmarshal_cosign_error.yaml', false, 'validators[0].host.rekor: must be a string'],
    ['05_invalid_cosign.yaml', false, 'validators[0].trustRoots[0].name: is required'],
    ['06_unmarshal_static_error.yaml', false, 'validators[0].approve: must be a boolean'],
    ['07_invalid_validator.yaml', false, 'validators[0]: must be a map'],
    ['08_unknown_field.yaml', false, 'validators[0].invalid: unknown key'],
    // Deliberate: a rule naming an undeclared validator is a load error here (Connaisseur denies at request time).
    ['09_missing_rule_validator.yaml', true, 'policy[0].validator: no validator named "x"'],
    ['10_mutate_test.yaml', true, 'policy[0].validator: no validator named "mock"'],
    ['11_mutate_test_error.yaml', true, 'policy[2].validator: no validator named "non-static-allow"'],
    ['12_mutate_test_cached.yaml', true, 'policy[0].validator: no validator named "notImplemented"'],
    ['13_validation_modes.yaml', true, null],
    ['14_validation_metrics.yaml', true, 'policy[0].validator: no validator named "cosigner"'],
  ];
  it.each(cases)('%s (Connaisseur loads: %s)', (file, _connaisseur, expected) => {
    const raw = parse(readConformance('config', file));
    const problems = problemsOf(raw);
    expectOutcome(problems, expected);
  });

  it('10_mutate_test.yaml loads once its "mock" validator is declared (as the e2e test does)', () => {
    const raw = parse(readConformance('config', '10_mutate_test.yaml'));
    raw.validators.push({ name: 'mock', type: 'external', address: '127.0.0.1:50099' });
    expect(problemsOf(raw)).toEqual([]);
  });
});

describeConformance('Connaisseur validator fixtures (validators/)', () => {
  const cases: Array<[file: string, connaisseur: boolean, ours: string | null]> = [
    ['01_static.yaml', true, null],
    ['02_cosign.yaml', true, null],
    ['03_no_name.yaml', false, 'validators[0].name: validator is missing a name'],
    ['04_no_type.yaml', false, 'validators[0].type: validator is missing a type'],
    ['05_unsupported_type.yaml', false, 'validators[0].type: unsupported type "stati"'],
    ['06_unmarshal_error.yaml', false, 'validators[0].trustRoots: must name at least one trust root'],
    ['07_static_deny.yaml', false, 'validators[0]: must be a map'],
    ['08_nv1.yaml', true, 'validators[0].type: "notaryv1" validators are not supported yet'],
    ['09_err_unmarshal.yaml', false, 'validators[0].name: validator is missing a name'],
  ];
  it.each(cases)('%s (Connaisseur loads: %s)', (file, _connaisseur, expected) => {
    const validator = parse(readConformance('validators', file)) ?? null;
    const problems = problemsOf({ validators: [validator] });
    expectOutcome(problems, expected);
  });
});

describeConformance('Connaisseur cosign validator fixtures (cosign/)', () => {
  const cases: Array<[file: string, connaisseur: boolean, ours: string | null]> = [
    ['01_cosign.yaml', true, null],
    // Deliberate: online Rekor look-ups are not built; signatures are checked against their Rekor bundle.
    ['02_rekor.yaml', true, 'validators[0].host.rekor: online Rekor look-ups are not supported yet'],
    ['03_unmarshal_err.yaml', false, 'validators[0]: must be a map'],
    ['04_rekor_err.yaml', false, 'validators[0].host.rekor: online Rekor look-ups are not supported yet'],
    ['05_no_trust_roots.yaml', false, 'validators[0].trustRoots: is required'],
    ['06_auth.yaml', true, null],
    ['07_keychain.yaml', true, 'validators[0].auth.useKeychain: the Kubernetes keychain is not supported yet'],
    ['08_cert.yaml', true, null],
    ['09_full_config.yaml', true, 'validators[0].host.rekor: online Rekor look-ups are not supported yet'],
    ['10_invalid_cert.yaml', false, 'validators[0].cert: block 1 is not a valid certificate'],
    ['11_keyless.yaml', true, null],
    ['12_invalid_rekor_pub_key.yaml', false, 'validators[0].host.rekorPubkey: is not a valid public key'],
    ['13_invalid_fulcio_cert.yaml', false, 'validators[0].host.fulcioCert: block 1 is not a valid certificate'],
    ['14_invalid_ct_log_pub_key.yaml', false, 'validators[0].host.ctLogPubkey: is not a valid public key'],
  ];
  it.each(cases)('%s (Connaisseur loads: %s)', (file, _connaisseur, expected) => {
    const problems = problemsOf({ validators: [parse(readConformance('cosign', file))] });
    expectOutcome(problems, expected);
  });
});

/**
 * Connaisseur's auth fixtures (auth/*.yaml) as the `auth` of a cosign validator. Reading the
 * secret a fixture names is the validator's start-up (libs/registry-client credentials.spec.ts,
 * test/startup.e2e-spec.ts), so here a named secret loads whether or not it exists.
 * `connaisseur` is its outcome in internal/validator/auth/auth_test.go.
 */
describeConformance('Connaisseur auth fixtures (auth/) in a cosign validator', () => {
  const cases: Array<[file: string, connaisseur: string, ours: string | null]> = [
    ['01_auth.yaml', 'loads', null],
    // Deliberate: the Kubernetes keychain is not built.
    ['02_keychain.yaml', 'loads (keychain)', 'validators[0].auth.useKeychain: the Kubernetes keychain is not supported yet'],
    ['03_empty.yaml', 'loads (no credentials)', null],
    ['04_unable_to_find.yaml', 'no authentication file for secret', null],
    ['05_err_reading_secret.yaml', 'error reading authentication file', null],
    ['06_unmarshal_err.yaml', 'unmarshal error', 'validators[0].auth: must be a map'],
    ['07_no_secret.yaml', 'neither secretName nor useKeychain defined', 'validators[0].auth.secret: unknown key'],
    ['08_docker_auth.yaml', 'loads', null],
    // Deliberate: unknown keys are load errors, in `auth` too (Connaisseur ignores the typo "useKeychanin").
    ['09_auth_and_keychain.yaml', 'loads (the typo is ignored)', 'validators[0].auth.useKeychanin: unknown key'],
    ['10_multi_auth_files.yaml', 'loads', null],
    ['11_no_auth_files.yaml', 'no authentication file for secret', null],
    ['12_invalid_secret_file.yaml', 'no authentication file for secret', null],
    ['13_no_registry_auth.yaml', 'loads (registry EMPTYAUTH)', null],
    ['14_invalid_registry_docker_auth.yaml', 'unable to parse registry', null],
  ];
  it.each(cases)('%s (Connaisseur: %s)', (file, _connaisseur, expected) => {
    const auth = parse(readConformance('auth', file));
    const problems = problemsOf({ validators: [{ name: 'cosign', type: 'cosign', trustRoots: [{ name: 'default', key: KEY }], auth }] });
    expectOutcome(problems, expected);
  });
});

/**
 * Connaisseur's alerting configurations (alerts/alerting/00–02, internal/alert/config_test.go)
 * as our `alerting` section, and its receiver (alerts/channel/00) as one receiver. The others
 * (03–08) need the alerting service's templates: apps/alerting/src/alert-dispatcher.spec.ts.
 */
describeConformance('Connaisseur alerting fixtures (alerts/alerting/, alerts/channel/)', () => {
  const alertingOf = (raw: unknown) => parseConfig(stringify({ alerting: raw })).config.alerting!;
  const receiversOf = (raw: unknown) =>
    (['admit', 'reject'] as const).flatMap((stream) => streamReceivers(alertingOf(raw), stream).map(({ name, receiver }) => ({ stream, name, ...receiver })));

  it('00_alerting loads: cluster, 2 admit receivers and 1 reject receiver, named <template>-<index>, with their defaults', () => {
    const raw = parse(readConformance('alerts', 'alerting', '00_alerting.yaml'));
    expect(alertingOf(raw).clusterIdentifier).toBe('example-cluster-staging-europe');
    expect(receiversOf(raw).map(({ stream, name, priority, failIfAlertSendingFails }) => ({ stream, name, priority, failIfAlertSendingFails }))).toEqual([
      { stream: 'admit', name: 'opsgenie-0', priority: 4, failIfAlertSendingFails: true },
      { stream: 'admit', name: 'slack-1', priority: 1, failIfAlertSendingFails: false },
      { stream: 'reject', name: 'keybase-0', priority: 3, failIfAlertSendingFails: true },
    ]);
  });

  it.each([
    ['01_unmarshal_err.yaml', ['alerting: must be a map']],
    ['02_requestsender_unmarshal_err.yaml', ['alerting.admitRequest.receivers: must be a list', 'alerting.rejectRequest.receivers: must be a list']],
  ])('%s does not load (Connaisseur: yaml: unmarshal errors)', (file, expected) => {
    expect(problemsOf({ alerting: parse(readConformance('alerts', 'alerting', file)) })).toEqual(expected);
  });

  it('00_channel loads as one receiver, with its header and payload fields', () => {
    const receiver = parse(readConformance('alerts', 'channel', '00_channel.yaml'));
    expect(receiversOf({ admitRequest: { receivers: [receiver] } })).toEqual([
      {
        stream: 'admit',
        name: 'opsgenie-0',
        template: 'opsgenie',
        receiverUrl: 'https://api.eu.opsgenie.com/v2/alerts',
        priority: 4,
        customHeaders: ['Authorization: GenieKey <Your-Genie-Key>'],
        payloadFields: {
          responders: [{ username: 'testuser@testcompany.de', type: 'user' }],
          visibleTo: [{ username: 'testuser@testcompany.de', type: 'user' }],
          tags: ['deployed_an_image'],
        },
        failIfAlertSendingFails: true,
      },
    ]);
  });
});

describe('cosign rule options', () => {
  const validators = [
    {
      name: 'cosign',
      type: 'cosign',
      trustRoots: [
        { name: 'default', key: KEY },
        { name: 'ci', keyless: { issuer: 'https://token.actions.githubusercontent.com', subjectRegex: '^https://github.com/acme/' } },
      ],
    },
  ];
  it.each<[Record<string, unknown>, string]>([
    [{ required: ['default'] }, 'policy[0].with.required: only used with trustRoot "*"'],
    [{ trustRoot: '*', threshold: 3 }, 'policy[0].with.threshold: 3 exceeds the 2 trust roots of validator "cosign"'],
    [{ trustRoot: 'ci', verifyInTransparencyLog: false }, 'policy[0].with.verifyInTransparencyLog: keyless trust roots (ci) need the transparency log: it dates the short-lived certificate'],
    [{ trustRoot: 'nope' }, 'policy[0].with.trustRoot: validator "cosign" has no trust root "nope"'],
    [{ delegations: ['x'] }, 'policy[0].with.delegations: not used by cosign validators'],
  ])('%j', (withOptions, problem) => {
    expect(problemsOf({ validators, policy: [{ pattern: '*', validator: 'cosign', with: withOptions }] })).toContain(problem);
  });

  it('accepts a key root without the transparency log', () => {
    expect(problemsOf({ validators, policy: [{ pattern: '*', validator: 'cosign', with: { verifyInTransparencyLog: false } }] })).toEqual([]);
  });
});

describe('a configuration written back as YAML', () => {
  it('loads again', () => {
    const { config } = parseConfig('validators: [{name: default, type: static, approve: true}]\n');
    expect(() => parseConfig(stringify(JSON.parse(JSON.stringify(config))))).not.toThrow();
  });
});
