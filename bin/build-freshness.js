// Is dist/ older than the sources? Only a checkout has sources; an installed package has dist/
// alone and is never stale. Used by bin/mmcheck.js (run the sources rather than a stale build)
// and by the package test (build only when needed).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['api', 'checker', 'cli', 'counterexamples', 'model', 'properties'];

export function isCheckout(root = PACKAGE_ROOT) {
  return existsSync(join(root, 'cli', 'main.ts'));
}

export function buildIsStale(root = PACKAGE_ROOT) {
  if (!isCheckout(root)) return false;
  const built = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? newer(join(dir, e.name)) : e.name.endsWith('.ts') && statSync(join(dir, e.name)).mtimeMs > builtAt,
    );
  return SOURCE_DIRS.some((d) => newer(join(root, d))) || statSync(join(root, 'index.ts')).mtimeMs > builtAt;
}
