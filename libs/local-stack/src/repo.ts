import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's root (the folder with nest-cli.json), from source or from dist/. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nest-cli.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no nest-cli.json above ${start}`);
  }
}

export const repoRoot = findRoot(__dirname);
