#!/usr/bin/env node
// mmcheck's command line. Signals first: until the CLI takes them over, SIGINT and SIGTERM
// during start-up exit with one line (130 / 143) rather than killing the process silently.
const startupHandlers = {
  SIGINT: () => startupSignal('SIGINT', 130),
  SIGTERM: () => startupSignal('SIGTERM', 143),
};
function startupSignal(sig, code) {
  process.stderr.write(`mmcheck: interrupted by ${sig} during start-up, before any search ran\n`);
  process.exit(code);
}
process.on('SIGINT', startupHandlers.SIGINT);
process.on('SIGTERM', startupHandlers.SIGTERM);

// The CLI runs from the compiled JavaScript in dist/ (built by `npm ci` through `prepare`).
// It runs the TypeScript sources instead with MMCHECK_SOURCE=1 (the test suite does), and in a
// checkout whose sources are newer than the build, so an edit is never hidden by a stale
// dist/. Either way tsx is registered, for users' .ts model and design files: its CommonJS and
// ESM hooks cover both kinds of .ts file.
const fromSource = process.env.MMCHECK_SOURCE === '1' || (await import('./build-freshness.js')).buildIsStale();
let cli;
try {
  const [{ register: registerCjs }, { register: registerEsm }] = await Promise.all([import('tsx/cjs/api'), import('tsx/esm/api')]);
  registerCjs();
  registerEsm();
  cli = await import(fromSource ? '../cli/main.ts' : '../dist/cli/main.js');
} catch (e) {
  // A broken checkout or install: one line, as for any other error.
  const hint = fromSource ? '' : ' (in a checkout, run npm ci or npm run build)';
  process.stderr.write(`mmcheck: internal error: cannot load mmcheck itself: ${String(e?.message ?? e).split('\n')[0]}${hint}\n`);
  process.exit(2);
}
await cli.runCli(process.argv.slice(2), startupHandlers);

