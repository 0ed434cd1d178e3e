import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { conformanceDir, describeConformance, repoRoot } from '@connaisseur-mesh/testing';

/** Folders whose fixtures later work takes up (issue 8): not scanned. */
const LATER = ['notaryv1', 'notation'];

/**
 * Fixtures no test names yet, each with why. The scan fails both when a fixture is missing here
 * and nothing names it, and when one listed here is named by a test now (then drop it here).
 */
const UNUSED: Record<string, string> = {};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The test sources and the helpers of libs/testing, but this file (its list names fixtures). */
function testSources(): string[] {
  const sources = ['apps', 'libs', 'test', 'bench'].flatMap((top) => filesUnder(join(repoRoot, top)));
  return sources.filter(
    (file) => file !== __filename && (/\.(e2e-)?spec\.ts$/.test(file) || (file.startsWith(join(repoRoot, 'libs/testing/src')) && file.endsWith('.ts'))),
  );
}

/** Every file-name-like word inside the string literals of a source (comments do not count). */
function literalWords(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const words: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) words.push(...node.text.split(/[^A-Za-z0-9_.-]+/));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return words;
}

/**
 * A static scan, not a record of reads (Jest workers share nothing), so it is a heuristic: a
 * numbered fixture (`NN_name.ext`, Connaisseur's convention) counts as used when a string in a
 * test names it, with or without its extension (`'06_template'`, `fixture('02_pod')`); another
 * file in a top folder when its name is named (`'alice.key'`), one deeper down (`secret.yaml`,
 * the OCI blobs) when one of its folders below the top one is (`fromSecretDir(dir, '01_auth')`,
 * `join(root, 'blobs')`).
 */
describeConformance('Connaisseur test data that no test names', () => {
  it(`is only what is listed (outside ${LATER.join('/ and ')}/)`, () => {
    const words = new Set(testSources().flatMap(literalWords));
    const files = filesUnder(conformanceDir)
      .map((file) => relative(conformanceDir, file))
      .filter((path) => !LATER.includes(path.split('/')[0]));
    const folders = new Set(files.map((path) => path.split('/').slice(0, -1).join('/')));
    const named = (path: string) => {
      const parts = path.split('/');
      const name = parts[parts.length - 1];
      const stem = name.replace(/\.[^.]*$/, '');
      // auth/01_auth.yaml names the secret folder auth/01_auth/: there the bare stem is the folder's.
      const stemIsFolder = folders.has([...parts.slice(0, -1), stem].join('/'));
      if (/^\d\d_/.test(name)) return words.has(name) || (!stemIsFolder && words.has(stem));
      // Deeper down, names like secret.yaml or tls.crt say nothing: their folder does.
      return parts.length === 2 ? words.has(name) : parts.slice(1, -1).some((folder) => words.has(folder));
    };
    expect(files.length).toBeGreaterThan(100);
    const unnamed = files.filter((path) => !named(path)).sort();
    expect(unnamed).toEqual(Object.keys(UNUSED).sort());
  });
});
