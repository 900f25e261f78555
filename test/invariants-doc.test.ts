import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { invariantsMarkdown } from '../api/invariant-docs.ts';
import { RULES } from '../properties/index.ts';

it('docs/invariants.md is what `npm run docs` generates from properties/rules.ts today', () => {
  const checkedIn = readFileSync(new URL('../docs/invariants.md', import.meta.url), 'utf8');
  // If this fails after a rule change, run `npm run docs` and read the diff.
  expect(checkedIn === invariantsMarkdown()).toBe(true);
});

it('docs/invariants.md has a section per rule, numbered as the matrix numbers them', () => {
  const doc = invariantsMarkdown();
  for (const r of RULES) expect(doc).toContain(`## ${r.name}\n\n**${r.number}. ${r.statement}**`);
  // Numbered rules have distinct numbers (0 marks the catch-alls, which the matrix shows as ✗0).
  const numbered = RULES.map((r) => r.number).filter((n) => n !== 0);
  expect(numbered).toEqual([...new Set(numbered)]);
});
