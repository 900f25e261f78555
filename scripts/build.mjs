#!/usr/bin/env node
/**
 * Builds the package: compiled JavaScript and .d.ts of the sources into dist/ (run by `prepare`,
 * so `npm ci` does it). `rewriteRelativeImportExtensions` turns the sources' `./x.ts` import
 * specifiers into `./x.js` in the JavaScript, but leaves them as `.ts` in the .d.ts files
 * (`import('./x.ts')` types too), which a consumer's tsc rejects without
 * allowImportingTsExtensions (TS5097): rewrite those here. The build goes to a temporary
 * directory that replaces dist/ at the end, so dist/ is never half-built.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const staging = join(root, `.dist-build-${process.pid}`);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', staging], { stdio: 'inherit' });
if (run.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write('build: tsc failed\n');
  process.exit(run.status ?? 1);
}

/** `from './x.ts'`, `import('./x.ts')`, `import './x.ts'` with a relative specifier. */
const TS_SPECIFIER = /((?:from\s+|import\s*\(\s*|import\s+)['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;

function fixDeclarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fixDeclarations(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(TS_SPECIFIER, '$1$2.js$3');
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}
fixDeclarations(staging);

const dist = join(root, 'dist');
const old = join(root, `.dist-old-${process.pid}`);
try {
  renameSync(dist, old);
} catch {
  // no previous build
}
renameSync(staging, dist);
rmSync(old, { recursive: true, force: true });
