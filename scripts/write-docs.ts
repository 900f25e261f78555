/**
 * `npm run docs`: regenerates docs/scenarios.md and docs/invariants.md from the sources.
 * The test suite checks that both are current (test/docs.test.ts, test/invariants-doc.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { scenariosMarkdown } from '../api/scenario-docs.ts';
import { invariantsMarkdown } from '../api/invariant-docs.ts';

for (const [file, text] of [
  ['../docs/scenarios.md', scenariosMarkdown()],
  ['../docs/invariants.md', invariantsMarkdown()],
] as const) {
  writeFileSync(new URL(file, import.meta.url), text);
  console.log(`wrote ${file.slice(3)}`);
}
