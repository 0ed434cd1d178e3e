import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '@connaisseur-mesh/testing';

const buf = join(repoRoot, 'node_modules/.bin/buf');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the gRPC contracts', () => {
  it('pass buf lint (STANDARD + COMMENTS)', () => {
    expect(() => execFileSync(buf, ['lint', 'proto'], { cwd: repoRoot, stdio: 'pipe' })).not.toThrow();
  });

  it('have generated TypeScript that is up to date (npm run proto:generate)', () => {
    const out = mkdtempSync(join(tmpdir(), 'cm-contracts-'));
    const template = readFileSync(join(repoRoot, 'proto/buf.gen.yaml'), 'utf8').replace('out: libs/contracts/src/gen', `out: ${out}`);
    writeFileSync(join(out, 'buf.gen.yaml'), template);
    execFileSync(buf, ['generate', 'proto', '--template', join(out, 'buf.gen.yaml')], { cwd: repoRoot, stdio: 'pipe' });
    const committed = join(repoRoot, 'libs/contracts/src/gen');
    const generated = files(out).filter((f) => f.endsWith('.ts'));
    expect(generated.map((f) => relative(out, f)).sort()).toEqual(files(committed).map((f) => relative(committed, f)).sort());
    for (const file of generated) {
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(committed, relative(out, file)), 'utf8'));
    }
  });
});
