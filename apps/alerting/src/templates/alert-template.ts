import { escapeTemplateValue, marshalGoJson } from './go-json';

/**
 * What a template can show. Connaisseur's placeholders (reference §7.3; `result` and `error` are
 * reachable there but undocumented), then ours: `decision` ("allowed" or "denied", the raw
 * decision), and the object's `kind`, `name` and the requesting `user`.
 */
export const PLACEHOLDERS = [
  'alert_message',
  'priority',
  'connaisseur_pod_id',
  'cluster',
  'namespace',
  'timestamp',
  'request_id',
  'images',
  'result',
  'error',
  'decision',
  'kind',
  'name',
  'user',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type AlertValues = { [P in Placeholder]: P extends 'priority' ? number : string };

/** A template that cannot be used: found when it is compiled at start, or when it renders. */
export class TemplateError extends Error {}

// Connaisseur's placeholder syntax: `{{ name }}` without braces inside.
const PLACEHOLDER = /{{[^{}]*}}/g;

/**
 * Connaisseur rewrites each placeholder to a Go template field, `{{ .CamelCase }}`, so
 * `{{ request_id }}`, `{{ requestId }}` and `{{ RequestID }}` all name the same value.
 */
const BY_FIELD = new Map<string, Placeholder>(PLACEHOLDERS.map((p) => [goFieldName(p), p]));

/**
 * A payload template: JSON text with placeholders. Compiling checks what Go's template parser
 * and executor would reject (an unknown placeholder; a `{{` that does not open a placeholder, as
 * in `{{{ priority }}}`), so every problem shows when the service starts.
 */
export class AlertTemplate {
  /** The text around the placeholders: one more literal than placeholders. */
  private constructor(
    /** Where the template comes from (its file), at the start of every problem. */
    readonly source: string,
    private readonly literals: readonly string[],
    private readonly placeholders: readonly Placeholder[],
  ) {}

  static compile(text: string, source: string): AlertTemplate {
    const literals: string[] = [];
    const placeholders: Placeholder[] = [];
    const starts = new Set<number>();
    let last = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      const placeholder = BY_FIELD.get(goFieldName(match[0].slice(2, -2)));
      if (!placeholder) {
        throw new TemplateError(`${source}: line ${lineOf(text, match.index)}: unknown placeholder "${match[0]}" (known: ${PLACEHOLDERS.join(', ')})`);
      }
      literals.push(text.slice(last, match.index));
      placeholders.push(placeholder);
      starts.add(match.index);
      last = match.index + match[0].length;
    }
    literals.push(text.slice(last));
    for (let at = text.indexOf('{{'); at >= 0; at = text.indexOf('{{', at + 1)) {
      if (!starts.has(at)) throw new TemplateError(`${source}: line ${lineOf(text, at)}: unexpected "{" in command`);
    }
    return new AlertTemplate(source, literals, placeholders);
  }

  /**
   * The request body: the values JSON-escaped into the template, which must then be a JSON
   * object; `payloadFields` merged into its top level; written as Go writes it. Undefined when the
   * template renders to nothing or to `{}`: nothing is sent then (as in Connaisseur).
   */
  render(values: AlertValues, payloadFields?: Record<string, unknown>): string | undefined {
    const text = this.placeholders.reduce((out, p, i) => out + formatValue(values[p]) + this.literals[i + 1], this.literals[0]);
    if (text.trim() === '') return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (e) {
      throw new TemplateError(`${this.source}: does not render to JSON: ${(e as Error).message}`);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new TemplateError(`${this.source}: does not render to a JSON object`);
    }
    if (Object.keys(payload).length === 0) return undefined;
    try {
      return marshalGoJson({ ...payload, ...payloadFields });
    } catch (e) {
      throw new TemplateError(`${this.source}: cannot write the payload: ${(e as Error).message}`);
    }
  }
}

function formatValue(value: string | number): string {
  return typeof value === 'number' ? String(value) : escapeTemplateValue(value);
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * The Go field name Connaisseur derives from a placeholder (strcase.ToCamel of the trimmed text):
 * words split at `_`, `-`, `.`, space and digits start with a capital, a capital that follows a
 * capital is lowered, and other characters are dropped.
 */
function goFieldName(placeholder: string): string {
  let name = '';
  let capitalizeNext = true;
  let previousIsCapital = false;
  for (const char of placeholder.trim()) {
    const isCapital = char >= 'A' && char <= 'Z';
    const isLower = char >= 'a' && char <= 'z';
    let out = char;
    if (capitalizeNext) out = char.toUpperCase();
    else if (previousIsCapital && isCapital) out = char.toLowerCase();
    previousIsCapital = isCapital;
    if (isCapital || isLower) {
      name += out;
      capitalizeNext = false;
    } else if (char >= '0' && char <= '9') {
      name += char;
      capitalizeNext = true;
    } else {
      capitalizeNext = '_ -.'.includes(char);
    }
  }
  return name;
}
