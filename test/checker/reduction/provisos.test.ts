/**
 * The provisos of partial-order reduction on hand-made models where leaving one out would
 * lose the violation, and when reduction is switched off.
 */
import { describe, expect, it } from 'vitest';
import { check, UsageError, type Model } from '../../../checker/index.ts';

interface S {
  readonly spin: number;
  readonly q: number;
}

/**
 * P spins locally forever (0 -> 1 -> 0, a cycle); Q takes one step that breaks the
 * invariant. P is always local and invisible, so without a cycle proviso the reduced search
 * would follow P around its cycle and never let Q move (the ignoring problem).
 */
const spinner: Model<S, 'P' | 'Q'> = {
  name: 'spinner',
  initialStates: () => [{ spin: 0, q: 0 }],
  actions: () => ['P', 'Q'],
  nextState: (s, a) => (a === 'P' ? { ...s, spin: 1 - s.spin } : s.q === 0 ? { ...s, q: 1 } : undefined),
  invariants: [{ name: 'q-never-moves', holds: (s) => s.q === 0, reads: ['q'] }],
  actor: (a) => a,
  por: {
    footprint: (_s, actor) => (actor === 'P' ? { reads: ['spin'], writes: ['spin'] } : { reads: ['q'], writes: ['q'] }),
    owner: (_s, key) => (key === 'spin' ? 'P' : 'Q'),
  },
};

describe('the cycle proviso', () => {
  it.each(['bfs', 'dfs'] as const)('%s: a local cycle does not hide the other actor\'s violation', (strategy) => {
    const r = check(spinner, { strategy, reduction: 'por' });
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('q-never-moves');
    expect(r.stats.reduction?.por).toBe(true);
  });

  it('bfs: the deferred proviso finds the reduced states\' cycle when the search drains and searches again with ids', () => {
    // --continue: the search drains; P's spinning is a cycle of reduced states.
    const deferred = check(spinner, { reduction: 'por', continueAfterViolation: true });
    expect(deferred.violations?.map((v) => v.property)).toEqual(['q-never-moves']);
    expect(deferred.stats.reduction?.cycleProviso).toBe('deferred, then ids');
    const ids = check(spinner, { reduction: 'por', continueAfterViolation: true, cycleProviso: 'ids' });
    expect(ids.stats.reduction?.cycleProviso).toBe('ids');
    expect([deferred.stats.distinctStates, deferred.stats.generatedStates]).toEqual([ids.stats.distinctStates, ids.stats.generatedStates]);
    expect(check(spinner, { strategy: 'dfs', reduction: 'por' }).stats.reduction?.cycleProviso).toBe('stack');
    expect(() => check(spinner, { reduction: 'por', cycleProviso: 'stack' as never })).toThrow(new UsageError('cycleProviso must be deferred or ids, got "stack"'));
  });
});

describe('the visibility proviso', () => {
  it('a local step that writes what an invariant reads is never postponed', () => {
    // The invariant reads P's own counter and Q's: both actors' steps are visible, so neither
    // runs alone (C2: a visible ample set needs an invisible future of the others).
    const m: Model<S, 'P' | 'Q'> = {
      ...spinner,
      invariants: [{ name: 'not-both', holds: (s) => !(s.spin === 1 && s.q === 1), reads: ['spin', 'q'] }],
    };
    const r = check(m, { reduction: 'por' });
    expect([r.verdict, r.property]).toEqual(['violation', 'not-both']);
    expect(r.stats.reduction?.reducedStates).toBe(0);
  });
});

describe('when reduction is off', () => {
  it('under --max-depth and --max-preemptions, with notes saying why', () => {
    expect(check(spinner, { maxDepth: 5, reduction: 'all' }).stats.reduction).toEqual({
      requested: 'all',
      por: false,
      symmetry: false,
      notes: ['por: off under maxDepth: reordering steps can lengthen a path past the bound'],
    });
    expect(check(spinner, { maxPreemptions: 1, reduction: 'por' }).stats.reduction?.notes).toEqual([
      'por: off under maxPreemptions: the bound counts preemptions of unreduced schedules',
    ]);
  });

  it('rejects an unknown mode and malformed invariant reads', () => {
    expect(() => check(spinner, { reduction: 'fast' as never })).toThrow(UsageError);
    const bad = { ...spinner, invariants: [{ name: 'x', holds: () => true, reads: 'q' as never }] };
    expect(() => check(bad, { reduction: 'all' })).toThrow('invariant "x": reads must be an array of key strings');
  });
});

describe('the default', () => {
  it('is all: every reduction the model supports (here partial-order reduction; the model has no symmetry)', () => {
    const byDefault = check(spinner, {});
    expect(byDefault.stats.reduction).toEqual(check(spinner, { reduction: 'all' }).stats.reduction);
    expect(byDefault.stats.reduction).toMatchObject({ requested: 'all', por: true, symmetry: false });
    expect(byDefault.stats.distinctStates).toBe(check(spinner, { reduction: 'all' }).stats.distinctStates);
    expect(byDefault.stats.reduction?.reducedStates).toBeGreaterThan(0);
  });
});
