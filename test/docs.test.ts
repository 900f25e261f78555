import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { scenariosMarkdown } from '../api/scenario-docs.ts';

it('docs/scenarios.md is what `npm run docs` generates from the scenarios today', () => {
  const checkedIn = readFileSync(new URL('../docs/scenarios.md', import.meta.url), 'utf8');
  // If this fails after a model change, run `npm run docs` and read the diff: it shows how every
  // counterexample changed.
  expect(checkedIn === scenariosMarkdown()).toBe(true);
});
