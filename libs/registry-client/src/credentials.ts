import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { canonicalRegistry, DOCKER_HUB } from '@connaisseur-mesh/image-reference';
import { BasicCredentials } from './auth';

/**
 * Registry credentials of one validator, from the Secret mounted as `<SECRETS_DIR>/<secretName>/`
 * (Connaisseur's `auth.secretName`): `secret.yaml` ({username, password, registry}) wins over
 * `.dockerconfigjson` ({"auths": {"<registry>": {"auth": base64(user:pass)} | {username, password}}}).
 * A credential applies to the longest configured registry[/path] prefix of an image's
 * `<registry>/<repository>`. The registry of a key is written as image references write it
 * (`canonicalRegistry`: case, `:443`, and `docker.io`, `registry-1.docker.io`,
 * `https://index.docker.io/v1/` all Docker Hub), or a key would miss the image it is for.
 */
export class CredentialStore {
  private constructor(private readonly entries: Array<{ prefix: string; credentials: BasicCredentials }>) {}

  static empty(): CredentialStore {
    return new CredentialStore([]);
  }

  /** Reads a secret directory; throws with a message naming the secret when it is unusable. */
  static fromSecretDir(secretsDir: string, secretName: string): CredentialStore {
    const dir = join(secretsDir, secretName);
    const yamlFile = join(dir, 'secret.yaml');
    const dockerFile = join(dir, '.dockerconfigjson');
    if (existsSync(yamlFile)) return CredentialStore.fromSecretYaml(readFileSync(yamlFile, 'utf8'), secretName);
    if (existsSync(dockerFile)) return CredentialStore.fromDockerConfig(readFileSync(dockerFile, 'utf8'), secretName);
    throw new Error(`no authentication file for secret "${secretName}" (expected ${yamlFile} or ${dockerFile})`);
  }

  static fromSecretYaml(text: string, secretName: string): CredentialStore {
    const data = parse(text) as { username?: unknown; password?: unknown; registry?: unknown } | null;
    if (!data || typeof data.username !== 'string' || typeof data.password !== 'string') {
      throw new Error(`secret "${secretName}": secret.yaml needs username and password`);
    }
    if (typeof data.registry !== 'string' || data.registry === '') {
      throw new Error(`secret "${secretName}": secret.yaml needs the registry the credentials belong to`);
    }
    return new CredentialStore([{ prefix: normalizeRegistryKey(data.registry, secretName), credentials: { username: data.username, password: data.password } }]);
  }

  static fromDockerConfig(text: string, secretName: string): CredentialStore {
    let auths: Record<string, { auth?: string; username?: string; password?: string }>;
    try {
      auths = (JSON.parse(text) as { auths?: typeof auths }).auths ?? {};
    } catch (e) {
      throw new Error(`secret "${secretName}": .dockerconfigjson is not JSON (${(e as Error).message})`);
    }
    const entries = Object.entries(auths).map(([key, entry]) => {
      let credentials: BasicCredentials | undefined;
      if (typeof entry?.auth === 'string') {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      } else if (typeof entry?.username === 'string' && typeof entry.password === 'string') {
        credentials = { username: entry.username, password: entry.password };
      }
      if (!credentials) throw new Error(`secret "${secretName}": .dockerconfigjson entry "${key}" has no usable credentials`);
      return { prefix: normalizeRegistryKey(key, secretName), credentials };
    });
    return new CredentialStore(entries);
  }

  /** The credentials for `<registry>/<repository>`, if any. */
  lookup(context: string): BasicCredentials | undefined {
    let best: { prefix: string; credentials: BasicCredentials } | undefined;
    for (const entry of this.entries) {
      const matches = context === entry.prefix || context.startsWith(`${entry.prefix}/`);
      if (matches && (!best || entry.prefix.length > best.prefix.length)) best = entry;
    }
    return best?.credentials;
  }
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `https://Registry.IO:443/path/` → `registry.io/path`. */
export function normalizeRegistryKey(key: string, secretName: string): string {
  const k = key.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const slash = k.indexOf('/');
  const registry = canonicalRegistry(slash < 0 ? k : k.slice(0, slash));
  let path = slash < 0 ? '' : k.slice(slash + 1);
  // The Docker CLI keys Docker Hub by its v1 index URL.
  if (registry === DOCKER_HUB && path === 'v1') path = '';
  if (!registry || (path && !/^[a-z0-9._/-]+$/.test(path))) {
    throw new Error(`secret "${secretName}": "${key}" is not a registry[/path]`);
  }
  return path ? `${registry}/${path}` : registry;
}
