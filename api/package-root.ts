/**
 * The directory of mmcheck's package.json. Modules find files of the package from here rather
 * than relative to themselves, because they run both as sources (`api/x.ts`) and compiled
 * (`dist/api/x.js`, one directory deeper).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mmcheck') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the package.json of mmcheck above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
