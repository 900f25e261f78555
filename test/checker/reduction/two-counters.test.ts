/** The example of a generic model opting in to partial-order reduction (examples/two-counters.ts). */
import { describe, expect, it } from 'vitest';
import { check } from '../../../checker/index.ts';
import { checkReductionContract } from '../../../checker/reduction/index.ts';
import twoCounters from '../../../examples/two-counters.ts';

describe('examples/two-counters.ts', () => {
  it('keeps its footprint contract on every reachable state', () => {
    const r = checkReductionContract(twoCounters);
    expect(r.problems).toEqual([]);
    expect(r.commutations).toBeGreaterThan(0);
  });

  it.each(['bfs', 'dfs'] as const)('%s: the reduced search finds the same violations in fewer states', (strategy) => {
    const none = check(twoCounters, { strategy, reduction: 'none', continueAfterViolation: true });
    const por = check(twoCounters, { strategy, reduction: 'all', continueAfterViolation: true });
    expect(none.violations?.map((v) => v.property)).toEqual(['no-lost-update']);
    expect(por.violations?.map((v) => v.property)).toEqual(['no-lost-update']);
    expect([none.stats.distinctStates, por.stats.distinctStates]).toEqual([68, 28]);
    expect(por.stats.reduction).toEqual({ requested: 'all', por: true, symmetry: false, reducedStates: 8, provisoExpansions: 0, lookaheads: 0, cycleProviso: strategy === 'bfs' ? 'deferred' : 'stack' });
  });

  it('bfs with --reduction none gives the shortest counterexample; under por it still replays', () => {
    const none = check(twoCounters, { reduction: 'none' });
    const por = check(twoCounters, { reduction: 'por' });
    expect(none.trace!.length).toBe(14);
    expect(por.trace!.length).toBeGreaterThanOrEqual(none.trace!.length);
    let s = [...twoCounters.initialStates()][0];
    for (const step of por.path!.steps) s = twoCounters.nextState(s, step.action)!;
    expect(twoCounters.invariants[1].holds(s)).toBe(false);
  });
});
