/**
 * Speed work changes no count: every matrix cell explores exactly the distinct and generated
 * states recorded in test/fixtures/matrix-counts.json (`npm run record-counts`). A deliberate
 * model change re-records the table in the same change and explains it in docs/model.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { matrixPlan } from '../../api/matrix.ts';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/matrix-counts.json', import.meta.url), 'utf8')) as Record<
  string,
  { verdict: string; property?: string; distinct: number; generated: number }
>;

describe('every matrix cell explores the recorded number of states', () => {
  const plan = matrixPlan();
  it('the table covers exactly the matrix', () => {
    expect(Object.keys(recorded).sort()).toEqual(plan.map(({ scenario, design }) => `${scenario.name} × ${design}`).sort());
  });
  for (const { scenario, design } of plan) {
    const key = `${scenario.name} × ${design}`;
    it(key, () => {
      const { report } = runScenario(scenario.name, { design, shrink: false, reduction: 'none' });
      const got = { verdict: report.verdict, ...(report.property ? { property: report.property } : {}), distinct: report.stats.distinctStates, generated: report.stats.generatedStates };
      expect(got).toEqual(recorded[key]);
    });
  }
});
