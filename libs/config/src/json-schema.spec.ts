import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describeConformance, readConformance, repoRoot } from '@connaisseur-mesh/testing';
import { buildJsonSchema } from './json-schema';
import { validateConfig } from './load-config';

const SCHEMA_FILE = join(repoRoot, 'config/connaisseur-mesh.schema.json');

describe('the published JSON Schema', () => {
  const schema = buildJsonSchema();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('is up to date (npm run schema:generate)', () => {
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(schema);
  });

  it('accepts the local stack configuration', () => {
    const raw = parse(readFileSync(join(repoRoot, 'config/connaisseur.yaml'), 'utf8'));
    expect(validateConfig(raw).problems).toEqual([]);
    expect(validate(raw)).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ validators: [{ name: 'a', type: 'static', approve: true, extra: 1 }] }, 'unknown key'],
    [{ validators: [{ name: 'a', type: 'stati' }] }, 'unknown type'],
    [{ validators: [], policy: [{ validator: 'a' }] }, 'missing pattern'],
    [{ validators: [], features: { cache: { expirySeconds: 'x' } } }, 'wrong type'],
    [{ validators: [], logLevel: 'verbose' }, 'unknown enum value'],
  ])('rejects what the loader rejects: %j (%s)', (raw) => {
    expect(validateConfig(raw).problems).not.toEqual([]);
    expect(validate(raw)).toBe(false);
  });
});

describeConformance('the JSON Schema on Connaisseur fixtures', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(buildJsonSchema());
  // Structural errors: the schema alone catches them.
  it.each(['01_val_no_name.yaml', '02_val_no_type.yaml', '03_unsupported_type.yaml', '04_unmarshal_cosign_error.yaml', '06_unmarshal_static_error.yaml', '07_invalid_validator.yaml', '08_unknown_field.yaml'])(
    '%s is invalid',
    (file) => {
      expect(validate(parse(readConformance('config', file)))).toBe(false);
    },
  );
  // Valid structure; only cross-checks (or "not supported yet") reject them.
  it.each(['00_sample.yaml', '09_missing_rule_validator.yaml', '10_mutate_test.yaml', '13_validation_modes.yaml'])('%s is structurally valid', (file) => {
    expect(validate(parse(readConformance('config', file)))).toBe(true);
  });
});
