/**
 * Globs with the semantics of gobwas/glob compiled without separators (what Connaisseur uses):
 * `*` matches any run of characters including `/`, `?` one character, `[abc]`, `[!abc]`, `[a-z]`,
 * `{a,b}` alternatives (nestable) and `\` escapes. Translated to an anchored-free RegExp source,
 * so that callers decide about anchoring. Invalid globs throw at load time, never per request.
 */

export class InvalidGlobError extends Error {
  constructor(glob: string, why: string) {
    super(`invalid glob "${glob}": ${why}`);
    this.name = 'InvalidGlobError';
  }
}

/** Characters that make a pattern component a glob rather than a literal. */
export const GLOB_CHARACTERS = /[*?[\]{}\\]/;

/** The text `glob` matches when it has no wildcards (at most `\` escapes), else undefined. */
export function globLiteral(glob: string): string | undefined {
  let text = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === '\\') {
      if (++i >= glob.length) return undefined;
    } else if (GLOB_CHARACTERS.test(glob[i])) {
      return undefined;
    }
    text += glob[i];
  }
  return text;
}

/** A glob that matches exactly `text`. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]{}\\]/g, '\\$&');
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;
const escapeRegex = (s: string) => s.replace(REGEX_SPECIAL, '\\$&');

export function globToRegexSource(glob: string): string {
  let i = 0;

  // Parses until one of `stops` (inside braces: `,` and `}`) or the end.
  const parseSequence = (inBraces: boolean): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i];
      if (inBraces && (c === ',' || c === '}')) return out;
      i++;
      switch (c) {
        case '*':
          out += '[\\s\\S]*';
          break;
        case '?':
          out += '[\\s\\S]';
          break;
        case '\\':
          if (i >= glob.length) throw new InvalidGlobError(glob, 'trailing backslash');
          out += escapeRegex(glob[i++]);
          break;
        case '[':
          out += parseClass();
          break;
        case '{':
          out += parseAlternatives();
          break;
        case ']':
        case '}':
          throw new InvalidGlobError(glob, `unexpected "${c}"`);
        default:
          out += escapeRegex(c);
      }
    }
    if (inBraces) throw new InvalidGlobError(glob, 'unclosed "{"');
    return out;
  };

  const parseClass = (): string => {
    let negate = false;
    if (glob[i] === '!') {
      negate = true;
      i++;
    }
    let body = '';
    let count = 0;
    while (i < glob.length && glob[i] !== ']') {
      let c = glob[i++];
      if (c === '\\') {
        if (i >= glob.length) throw new InvalidGlobError(glob, 'trailing backslash');
        c = glob[i++];
      }
      if (glob[i] === '-' && i + 1 < glob.length && glob[i + 1] !== ']') {
        const hi = glob[i + 1];
        i += 2;
        if (hi < c) throw new InvalidGlobError(glob, `invalid range "${c}-${hi}"`);
        body += `${escapeRegex(c)}-${escapeRegex(hi)}`;
      } else {
        body += escapeRegex(c);
      }
      count++;
    }
    if (i >= glob.length) throw new InvalidGlobError(glob, 'unclosed "["');
    i++; // ']'
    if (count === 0) throw new InvalidGlobError(glob, 'empty character class');
    return `[${negate ? '^' : ''}${body}]`;
  };

  const parseAlternatives = (): string => {
    const alternatives: string[] = [];
    for (;;) {
      alternatives.push(parseSequence(true));
      const c = glob[i++];
      if (c === '}') break;
      // c === ',' : next alternative
    }
    return `(?:${alternatives.join('|')})`;
  };

  return parseSequence(false);
}
