/**
 * Reduction changes no verdict: every matrix cell gives, with `--reduction all`, the verdict
 * and violated property recorded for the unreduced search (test/fixtures/matrix-counts.json,
 * which matrix-counts.test.ts checks against `--reduction none`), a pass explores no more states,
 * and its counterexample replays in the model. On the cells with two CPUs, the kernel model's
 * footprint contract (exclusive ownership, commutation of local steps) holds on every
 * reachable state.
 */
import { readFileSync } from 'node:fs';
import { is } from 'immutable';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { matrixPlan } from '../../api/matrix.ts';
import { checkReductionContract } from '../../checker/reduction/index.ts';
import { kernelModel } from '../../model/kernel-model.ts';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/matrix-counts.json', import.meta.url), 'utf8')) as Record<
  string,
  { verdict: string; property?: string; distinct: number }
>;

describe('every matrix cell gives the same verdict with --reduction all as with none', () => {
  for (const { scenario, design } of matrixPlan()) {
    const key = `${scenario.name} × ${design}`;
    it(key, () => {
      const { report, result } = runScenario(scenario.name, { design, reduction: 'all', shrink: false });
      expect({ verdict: report.verdict, property: report.property }).toEqual({ verdict: recorded[key].verdict, property: recorded[key].property });
      // A complete reduced space is part of the full one; a violation may be found later.
      if (report.verdict === 'pass') expect(report.stats.distinctStates).toBeLessThanOrEqual(recorded[key].distinct);
      expect(report.stats.reduction?.por).toBe(true);
      if (result.path) {
        // The counterexample is a concrete schedule of the unreduced model.
        const model = kernelModel(scenario, { design });
        let s = [...model.initialStates()][0];
        for (const step of result.path.steps) {
          const next = model.nextState(s, step.action);
          expect(next !== undefined && is(next, step.state), step.action.label).toBe(true);
          s = next!;
        }
        expect(model.invariants.find((i) => i.name === report.property)!.holds(s)).toBe(false);
      }
    });
  }
});

describe('the kernel footprint contract holds on every reachable state of the two-CPU cells', () => {
  for (const { scenario, design } of matrixPlan()) {
    const model = kernelModel(scenario, { design });
    if ([...model.initialStates()][0].cpus.length < 2) continue;
    it(`${scenario.name} × ${design}`, () => {
      const report = checkReductionContract(model);
      expect(report.problems).toEqual([]);
      expect(report.states).toBeGreaterThan(0);
    });
  }
});
