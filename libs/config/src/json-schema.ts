// eslint-disable-next-line @typescript-eslint/no-require-imports -- class-transformer exports its storage only by path
const { defaultMetadataStorage } = require('class-transformer/cjs/storage');
import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { VALIDATOR_CLASSES } from './mesh-config';

type Schema = Record<string, unknown>;

/**
 * The published JSON Schema of the configuration file (config/connaisseur-mesh.schema.json),
 * derived from the classes in mesh-config.ts. It describes the structure; cross-references (a
 * rule's validator and trust root exist, keys and certificates parse) are checked by the loader.
 */
export function buildJsonSchema(): Schema {
  const definitions = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    classValidatorMetadataStorage: getMetadataStorage(),
    refPointerPrefix: '#/definitions/',
    forbidNonWhitelisted: true,
  }) as Record<string, Schema>;

  const validatorRefs = Object.values(VALIDATOR_CLASSES).map((cls) => ({ $ref: `#/definitions/${cls.name}` }));
  const root = definitions.MeshConfig;
  const properties = root.properties as Record<string, Schema>;
  properties.validators = { type: 'array', items: { oneOf: validatorRefs } };
  // The `with` of a rule is free-form for external validators and typed for the others.
  (definitions.PolicyRule.properties as Record<string, Schema>).with = {
    type: 'object',
    description: 'Rule options (see RuleOptions); external validators accept any keys.',
    anyOf: [{ $ref: '#/definitions/RuleOptions' }, { type: 'object' }],
  };
  delete definitions.MeshConfig;
  // Parsing is strict: unknown keys are errors (only payloadFields and `with` are open maps).
  for (const schema of [root, ...Object.values(definitions)]) {
    if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/connaisseur-mesh/connaisseur-mesh/config/connaisseur-mesh.schema.json',
    ...root,
    definitions: sortKeys(definitions),
  };
}

function sortKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))) as T;
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
}
