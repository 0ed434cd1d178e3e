import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, Options, PackageDefinition } from '@grpc/proto-loader';

/**
 * The one place that loads the .proto contracts at run time. Server and client load them with
 * the same options, and those options match how ts-proto generated libs/contracts (buf.gen.yaml):
 * camelCase field names, enums as numbers, int64 as strings, default values filled in.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  defaults: true,
  oneofs: true,
};

export const VALIDATOR_PACKAGE = 'connaisseur_mesh.validator.v1';
export const ALERTING_PACKAGE = 'connaisseur_mesh.alerting.v1';
export const VALIDATOR_PROTO = 'connaisseur_mesh/validator/v1/validator_service.proto';
export const ALERTING_PROTO = 'connaisseur_mesh/alerting/v1/alerting_service.proto';
export const VALIDATOR_SERVICE = `${VALIDATOR_PACKAGE}.ValidatorService`;
export const ALERTING_SERVICE = `${ALERTING_PACKAGE}.AlertingService`;

/** The proto/ folder: PROTO_ROOT, else found above this file (source tree, dist/, or /app). */
export function protoRoot(): string {
  if (process.env.PROTO_ROOT) return process.env.PROTO_ROOT;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'proto', VALIDATOR_PROTO))) return join(dir, 'proto');
    if (dirname(dir) === dir) throw new Error('cannot find the proto/ folder; set PROTO_ROOT');
  }
}

const definitions = new Map<string, PackageDefinition>();

/** The package definition of one proto file (loaded once per process). */
export function packageDefinition(protoFile: string): PackageDefinition {
  let definition = definitions.get(protoFile);
  if (!definition) {
    definition = loadSync(protoFile, { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
    definitions.set(protoFile, definition);
  }
  return definition;
}

/** The client constructor of a service, e.g. serviceClient(VALIDATOR_PROTO, VALIDATOR_SERVICE). */
export function serviceClient(protoFile: string, fullServiceName: string): ServiceClientConstructor {
  let node: GrpcObject | ServiceClientConstructor = loadPackageDefinition(packageDefinition(protoFile));
  for (const part of fullServiceName.split('.')) node = (node as GrpcObject)[part] as GrpcObject;
  return node as unknown as ServiceClientConstructor;
}
