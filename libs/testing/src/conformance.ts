import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '@connaisseur-mesh/local-stack';

/**
 * Connaisseur's own test data (Apache-2.0), read from CONFORMANCE_DIR (default
 * ../shared/conformance/connaisseur-testdata beside the repository). A user's clone has no
 * ../shared: suites that need it are skipped with the reason printed, except under CI=true,
 * where its absence fails.
 */
export const conformanceDir = resolve(
  repoRoot, process.env.CONFORMANCE_DIR ?? '../shared/conformance/connaisseur-testdata',
);

export const hasConformanceData = existsSync(join(conformanceDir, 'admission_requests'));

export function conformancePath(...parts: string[]): string {
  return join(conformanceDir, ...parts);
}

export function readConformance(...parts: string[]): string {
  return readFileSync(conformancePath(...parts), 'utf8');
}

/** `describe` that needs the conformance data. */
export function describeConformance(name: string, fn: () => void): void {
  if (hasConformanceData) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the conformance data', () => {
        throw new Error(`CONFORMANCE_DIR ${conformanceDir} is missing (required under CI=true)`);
      });
    });
    return;
  }
  process.stdout.write(`skipping "${name}": no conformance data at ${conformanceDir} (set CONFORMANCE_DIR)\n`);
  describe.skip(name, fn);
}
