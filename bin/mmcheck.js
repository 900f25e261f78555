#!/usr/bin/env node
// Loads TypeScript sources (the CLI, and user models given with --model, wherever they live)
// without a build step: tsx's CommonJS and ESM hooks cover both kinds of .ts file.
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCjs();
registerEsm();
const { runCli } = await import('../cli/main.ts');
await runCli(process.argv.slice(2));
