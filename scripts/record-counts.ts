/**
 * Records the distinct and generated state counts of every matrix cell (default bounds) into
 * test/fixtures/matrix-counts.json. Speed work must leave this table unchanged
 * (test/scenarios/matrix-counts.test.ts); a model change that changes it on purpose re-records
 * it (`npm run record-counts`) and explains the change in docs/model.md.
 */
import { writeFileSync } from 'node:fs';
import { runScenario } from '../api/check-scenario.ts';
import { matrixPlan } from '../api/matrix.ts';

const out: Record<string, { verdict: string; property?: string; distinct: number; generated: number }> = {};
for (const { scenario, design } of matrixPlan()) {
  const { report } = runScenario(scenario.name, { design, shrink: false, reduction: 'none' }); // unreduced counts
  out[`${scenario.name} × ${design}`] = {
    verdict: report.verdict,
    ...(report.property ? { property: report.property } : {}),
    distinct: report.stats.distinctStates,
    generated: report.stats.generatedStates,
  };
}
const file = new URL('../test/fixtures/matrix-counts.json', import.meta.url);
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`recorded ${Object.keys(out).length} cells in test/fixtures/matrix-counts.json`);
