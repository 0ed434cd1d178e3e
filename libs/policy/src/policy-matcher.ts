import { canonicalRegistry, DOCKER_HUB, ImageReference, isRegistryComponent, withCanonicalPort } from '@connaisseur-mesh/image-reference';
import { escapeGlob, GLOB_CHARACTERS, globLiteral, globToRegexSource } from './glob';

/**
 * Chooses the policy rule for an image. Two modes (config key `policyMatching`):
 *
 * - `strict` (default): the pattern is normalized like an image reference (registry written
 *   canonically, Docker Hub defaults, `library/`) and matched anchored at the start of the image's
 *   `Name()`. A pattern that does not end in `*` also matches names that continue with `:`, `@`
 *   or `/`, so `my.registry/test` covers every tag, digest and sub-path of that repository but
 *   not `my.registry/testing`.
 * - `connaisseur`: Connaisseur's matcher: `*` added on both sides, so `registry.k8s.io/*:*`
 *   also matches `evil.io/registry.k8s.io/pause`; of the pattern only its registry is rewritten
 *   (to the canonical spelling `Name()` uses, or it could never match).
 *
 * Among matching rules the most specific wins (Connaisseur's ordering, see `compareSpecificity`);
 * a full tie goes to the later rule.
 */
export type PolicyMatching = 'strict' | 'connaisseur';

export interface PatternRule {
  pattern: string;
}

export interface RuleMatch<R extends PatternRule> {
  rule: R;
  /** Position of the rule in the policy list. */
  index: number;
}

interface CompiledRule<R extends PatternRule> {
  rule: R;
  index: number;
  /** The pattern the ranking looks at: `normalizePattern` for the mode. */
  rankedPattern: string;
  regex: RegExp;
}

export class PolicyMatcher<R extends PatternRule> {
  private readonly compiled: CompiledRule<R>[];

  /** Throws InvalidGlobError for an invalid pattern (a load error, never a request error). */
  constructor(
    rules: readonly R[],
    readonly mode: PolicyMatching = 'strict',
  ) {
    this.compiled = rules.map((rule, index) => {
      const normalized = normalizePattern(rule.pattern, mode);
      if (mode === 'connaisseur') {
        const glob = `${normalized.startsWith('*') ? '' : '*'}${normalized}${normalized.endsWith('*') ? '' : '*'}`;
        return { rule, index, rankedPattern: normalized, regex: new RegExp(`^${globToRegexSource(glob)}$`) };
      }
      const suffix = normalized.endsWith('*') ? '' : '(?:[:@/][\\s\\S]*)?';
      return { rule, index, rankedPattern: normalized, regex: new RegExp(`^${globToRegexSource(normalized)}${suffix}$`) };
    });
  }

  /** The most specific rule matching the image, or undefined when none matches. */
  match(image: ImageReference): RuleMatch<R> | undefined {
    const name = image.name();
    let best: CompiledRule<R> | undefined;
    for (const candidate of this.compiled) {
      if (!candidate.regex.test(name)) continue;
      // `>= 0`: on a full tie the later rule wins, as in Connaisseur.
      if (!best || compareSpecificity(candidate.rankedPattern, best.rankedPattern, name) >= 0) best = candidate;
    }
    return best && { rule: best.rule, index: best.index };
  }

  /** Groups of rules whose (ranked) patterns are identical: only the last of each can ever win. */
  duplicatePatterns(): string[] {
    const seen = new Map<string, number>();
    for (const c of this.compiled) seen.set(c.rankedPattern, (seen.get(c.rankedPattern) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([p]) => p);
  }
}

/**
 * The pattern as the matcher compiles and ranks it.
 *
 * Both modes: the first component (the text before the first `/`) names a registry by the
 * runtime's test for references (`isRegistryComponent`: a `.`, a `:`, `localhost`, an uppercase
 * letter), applied to the text as written, glob characters counting as none of these. Such a
 * component is rewritten as `Name()` writes registries (`canonicalPatternRegistry`).
 *
 * `strict` in addition:
 * - a first component with a glob character stands at the registry's place (names start with
 *   their registry) and is rewritten the same way; so is one without glob characters that names
 *   a registry; on Docker Hub a single repository component without globs gets `library/`;
 * - no `/`: an official Docker Hub image, `index.docker.io/library/<pattern>`, unless it starts
 *   with a glob character (`*:*`);
 * - otherwise a Docker Hub namespace: `index.docker.io/<pattern>`.
 */
export function normalizePattern(pattern: string, mode: PolicyMatching = 'strict'): string {
  const slash = pattern.indexOf('/');
  if (slash < 0) {
    return mode === 'connaisseur' || GLOB_CHARACTERS.test(pattern[0] ?? '') ? pattern : `${DOCKER_HUB}/library/${pattern}`;
  }
  const first = pattern.slice(0, slash);
  const rest = pattern.slice(slash + 1);
  const namesRegistry = isRegistryComponent(first);
  if (mode === 'connaisseur') return namesRegistry ? `${canonicalPatternRegistry(first, mode)}/${rest}` : pattern;
  if (!namesRegistry && !GLOB_CHARACTERS.test(first)) return `${DOCKER_HUB}/${pattern}`;
  const registry = canonicalPatternRegistry(first, mode);
  if (registry !== DOCKER_HUB) return `${registry}/${rest}`;
  // `docker.io/test:*` means the official image `library/test` (Connaisseur issue #1517); a
  // component with globs (`docker.io/*:*`) keeps covering every Docker Hub repository.
  const repository = rest.split(/[:@]/, 1)[0];
  const official = !rest.includes('/') && !GLOB_CHARACTERS.test(repository);
  return `${DOCKER_HUB}/${official ? 'library/' : ''}${rest}`;
}

/**
 * A pattern's registry component, written as `Name()` writes registries: lowercased (host names
 * are case-insensitive, and `Name()` has no capitals before its first `/`, so capitals there could
 * never match), the port canonical. A literal registry (escapes allowed, e.g. `\[::1\]:5000`) is
 * canonicalised exactly like a reference's (`:443` dropped, IPv6 compressed, Docker Hub aliases →
 * `index.docker.io`); a glob keeps its glob characters, and only a literal port at its end is
 * rewritten. In `connaisseur` mode `docker.io` stays as written: the implicit leading `*` makes it
 * match Docker Hub names already, and Connaisseur ranks it as written.
 */
function canonicalPatternRegistry(component: string, mode: PolicyMatching): string {
  const literal = globLiteral(component);
  if (literal === undefined) {
    const glob = component.toLowerCase();
    const port = /^(.*):([0-9]+)$/.exec(glob);
    return port ? withCanonicalPort(port[1], Number(port[2])) : glob;
  }
  const canonical = canonicalRegistry(literal);
  if (!canonical) return component.toLowerCase(); // not a registry the runtime pulls from: the pattern matches nothing
  if (mode === 'connaisseur' && canonical === DOCKER_HUB && literal.toLowerCase().split(':', 1)[0] === 'docker.io') return 'docker.io';
  return escapeGlob(canonical);
}

export interface Specificity {
  componentCount: number;
  componentLengths: number[];
  prefixLengths: number[];
}

/** Connaisseur's specificity data of a pattern against an image name (components by `/`). */
export function specificity(pattern: string, name: string): Specificity {
  const components = pattern.split('/');
  const nameComponents = name.split('/');
  return {
    componentCount: components.length,
    componentLengths: components.map((c) => c.length),
    prefixLengths: components.map((c, i) => commonPrefixLength(c, nameComponents[i] ?? '')),
  };
}

/**
 * > 0 when pattern `a` is more specific than `b` for `name`, < 0 when less, 0 on a full tie:
 * more components first, then the first differing per-component common prefix with the name,
 * then the first differing component length (all left-aligned by index).
 */
export function compareSpecificity(a: string, b: string, name: string): number {
  const sa = specificity(a, name);
  const sb = specificity(b, name);
  if (sa.componentCount !== sb.componentCount) return sa.componentCount - sb.componentCount;
  for (let i = 0; i < sa.componentCount; i++) {
    if (sa.prefixLengths[i] !== sb.prefixLengths[i]) return sa.prefixLengths[i] - sb.prefixLengths[i];
  }
  for (let i = 0; i < sa.componentCount; i++) {
    if (sa.componentLengths[i] !== sb.componentLengths[i]) return sa.componentLengths[i] - sb.componentLengths[i];
  }
  return 0;
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
