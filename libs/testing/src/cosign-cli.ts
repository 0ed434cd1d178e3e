import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const COSIGN_PASSWORD = 'connaisseur-mesh-test';

export interface CosignRegistryOptions {
  /** PEM file of the registry's CA (TLS registries). */
  caFile?: string;
  basicAuth?: { username: string; password: string };
}

function registryArgs(options: CosignRegistryOptions): string[] {
  const args = options.caFile ? ['--registry-cacert', options.caFile] : ['--allow-http-registry'];
  if (options.basicAuth) args.push('--registry-username', options.basicAuth.username, '--registry-password', options.basicAuth.password);
  return args;
}

const env = () => ({ ...process.env, COSIGN_PASSWORD, COSIGN_YES: 'true' });

/**
 * The real cosign CLI (Debian trixie's 2.5, installed by scripts/install-cosign.sh): key pairs,
 * signatures written to a registry, and `cosign verify` as the reference the validator is
 * compared with.
 */
export const cosign = {
  /** ECDSA P-256 key pair `<dir>/<name>.key` / `.pub`. */
  async generateKeyPair(dir: string, name: string): Promise<{ key: string; pub: string }> {
    await run('cosign', ['generate-key-pair', '--output-key-prefix', join(dir, name)], { env: env() });
    return { key: join(dir, `${name}.key`), pub: join(dir, `${name}.pub`) };
  },

  /** Imports a PEM private key (ECDSA, Ed25519; cosign 2.5 refuses RSA). */
  async importKeyPair(dir: string, name: string, pemFile: string): Promise<{ key: string; pub: string }> {
    await run('cosign', ['import-key-pair', '--key', pemFile, '--output-key-prefix', join(dir, name)], { env: env() });
    return { key: join(dir, `${name}.key`), pub: join(dir, `${name}.pub`) };
  },

  /** `cosign sign --key … --tlog-upload=false`; `referrers` writes an OCI 1.1 referrer instead of a .sig tag. */
  async sign(image: string, key: string, options: CosignRegistryOptions & { referrers?: boolean } = {}): Promise<void> {
    const args = ['sign', '--key', key, '--tlog-upload=false', ...registryArgs(options)];
    if (options.referrers) args.push('--registry-referrers-mode=oci-1-1');
    await run('cosign', [...args, image], { env: { ...env(), ...(options.referrers ? { COSIGN_EXPERIMENTAL: '1' } : {}) } });
  },

  /** Whether `cosign verify --key … --insecure-ignore-tlog` accepts the image. */
  async verifies(image: string, pub: string, options: CosignRegistryOptions & { referrers?: boolean } = {}): Promise<boolean> {
    const args = ['verify', '--key', pub, '--insecure-ignore-tlog=true', ...registryArgs(options)];
    if (options.referrers) args.push('--experimental-oci11');
    try {
      await run('cosign', [...args, image], { env: { ...env(), COSIGN_EXPERIMENTAL: '1' } });
      return true;
    } catch {
      return false;
    }
  },
};
