import { hostname } from 'node:os';

/**
 * Environment variables (ARCHITECTURE.md "Services, ports, environment"). The only place that
 * reads process.env; everything else is in the configuration file.
 */

export function envString(name: string, fallback: string): string;
export function envString(name: string): string | undefined;
export function envString(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envPort(name: string, fallback: number): number {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`environment variable ${name}: "${raw}" is not a port number`);
  }
  return port;
}

/** The config file: CONNAISSEUR_CONFIG, else config/connaisseur.yaml (local) — the image sets it. */
export const configPath = () => envString('CONNAISSEUR_CONFIG', 'config/connaisseur.yaml');
export const bindAddress = () => envString('BIND_ADDRESS', '127.0.0.1');
export const podName = () => envString('POD_NAME', hostname());

/** App-level mTLS between the services when no mesh does it (all three or none). */
export interface GrpcTlsFiles {
  cert: string;
  key: string;
  ca: string;
}
export function grpcTlsFiles(): GrpcTlsFiles | undefined {
  const cert = envString('GRPC_TLS_CERT');
  const key = envString('GRPC_TLS_KEY');
  const ca = envString('GRPC_TLS_CA');
  if (!cert && !key && !ca) return undefined;
  if (!cert || !key || !ca) throw new Error('GRPC_TLS_CERT, GRPC_TLS_KEY and GRPC_TLS_CA must be set together');
  return { cert, key, ca };
}

/** Where validators find `<secretName>/secret.yaml` or `.dockerconfigjson` (auth.secretName). */
export const secretsDir = () => envString('SECRETS_DIR', '/app/secrets');
