/** Registry authentication: the WWW-Authenticate challenge and the credentials it asks for. */

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`; undefined otherwise. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const param = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = match[2];
  param.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (param.lastIndex < rest.length && (m = param.exec(rest))) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return { scheme, params };
}

export function basicAuthorization(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
