#!/usr/bin/env node
// Loads TypeScript sources (the CLI, and user models given with --model, wherever they live)
// without a build step: tsx's CommonJS and ESM hooks cover both kinds of .ts file.
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCjs();
registerEsm();
let cli;
try {
  cli = await import('../cli/main.ts');
} catch (e) {
  // A broken checkout or install: one line, as for any other error.
  process.stderr.write(`mmcheck: internal error: cannot load mmcheck itself: ${String(e?.message ?? e).split('\n')[0]}\n`);
  process.exit(2);
}
await cli.runCli(process.argv.slice(2));
