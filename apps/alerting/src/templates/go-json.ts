/**
 * JSON the way Connaisseur's Go code writes it, so that receivers see the same bytes.
 */

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A value for a template, escaped as Go's json.Encoder with SetEscapeHTML(false) does and without
 * the quotes: quotes, backslashes, control characters, U+2028 and U+2029. Connaisseur escapes every
 * value this way before rendering, so a value can never leave the JSON string it is placed in.
 */
export function escapeTemplateValue(value: string): string {
  return JSON.stringify(value).slice(1, -1).replace(/[\u2028\u2029]/g, hex4);
}

/**
 * Go's json.Marshal of a map[string]interface{}: object keys sorted by their UTF-8 bytes at every
 * level, no space, and `<`, `>`, `&`, U+2028, U+2029 escaped as \u003c etc. Numbers print as
 * Go prints a float64, which for finite numbers is what JSON.stringify prints; a number JSON cannot
 * carry is an error, as in Go.
 */
export function marshalGoJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(marshalGoJson).join(',')}]`;
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`json: unsupported value: ${value}`);
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((key) => `${goString(key)}:${marshalGoJson(object[key])}`).join(',')}}`;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  throw new Error(`json: unsupported type: ${typeof value}`);
}

function goString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, hex4);
}
