/**
 * Symmetry reduction (alone and with partial-order reduction) finds the same violations as
 * the full search on thousands of tiny random models of identical processes, and every
 * counterexample found under reduction is a concrete schedule of the full model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, type CheckResult, type Model } from '../../../checker/index.ts';
import { specArbitrary, symmetricModel, type RState } from './random-models.ts';

function replays(full: Model<RState, number>, r: CheckResult<RState, number>): boolean {
  let s = [...full.initialStates()][0];
  for (const step of r.path!.steps) {
    const next = full.nextState(s, step.action);
    if (next === undefined || JSON.stringify(next) !== JSON.stringify(step.state)) return false;
    s = next;
  }
  return r.property === 'deadlock' || !full.invariants.find((i) => i.name === r.property)!.holds(s);
}

const violated = (r: CheckResult<RState, number>) => (r.violations ?? []).map((v) => v.property).sort();

describe.each(['bfs', 'dfs'] as const)('symmetry reduction under %s', (strategy) => {
  it.each(['symmetry', 'all'] as const)('--reduction %s agrees with the full search on 1000 random symmetric models', (reduction) => {
    let smaller = 0;
    fc.assert(
      fc.property(specArbitrary(), fc.boolean(), (spec, deadlock) => {
        const full = symmetricModel(spec, false);
        const reduced = symmetricModel(spec, true);
        const all = check(full, { strategy, reduction: 'none', deadlock, continueAfterViolation: true });
        const red = check(reduced, { strategy, reduction, deadlock, continueAfterViolation: true });
        expect(red.stats.reduction?.symmetry).toBe(true);
        expect(violated(red)).toEqual(violated(all));
        if (red.stats.distinctStates < all.stats.distinctStates) smaller++;
        const first = check(reduced, { strategy, reduction, deadlock });
        expect(first.verdict === 'pass').toBe(violated(all).length === 0);
        if (first.verdict !== 'pass') expect(replays(full, first)).toBe(true);
      }),
      { numRuns: 1000, seed: 42 },
    );
    expect(smaller).toBeGreaterThan(500);
  });
});
