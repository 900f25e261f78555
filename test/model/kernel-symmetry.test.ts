/**
 * Symmetry in the kernel model, shown on a test scenario whose two CPUs run the same program:
 * both make one page read-only with set_memory_ro(), serialised by a mutex (v6) or racing
 * (shared ownership). Symmetry merges the mirror-image interleavings; verdicts stay the same
 * and counterexamples stay concrete schedules.
 */
import { is } from 'immutable';
import { describe, expect, it } from 'vitest';
import { check, UsageError } from '../../checker/index.ts';
import { checkReductionContract } from '../../checker/reduction/index.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { concurrentLocklessWalks } from '../../model/scenarios/concurrent-lockless-walks.ts';
import type { Scenario } from '../../model/scenarios/scenario.ts';

const twins: Scenario = {
  ...concurrentLocklessWalks,
  name: 'twin-set-memory-ro',
  summary: 'two CPUs run set_memory_ro() on the same page',
  symmetry: { cpus: [0, 1] },
  expectations: {},
  build(ctx) {
    // The walks scenario, with CPU1's task running CPU0's program (make_page_ro) too.
    const built = concurrentLocklessWalks.build(ctx);
    const first = built.state.tasks[0];
    return { ...built, state: built.state.set('tasks', built.state.tasks.with(1, built.state.tasks[1].set('stack', first.stack))) };
  },
};

describe('symmetry on two CPUs running the same program', () => {
  it.each([
    ['v6', 'pass', undefined, { none: 72, por: 72, symmetry: 37, all: 37 }],
    ['concurrent-walks-shared-range', 'violation', 'no-concurrent-lockless-walks', { none: 13, por: 7, symmetry: 9, all: 6 }],
  ] as const)('%s: every reduction gives the verdict of the full search', (design, verdict, property, distinct) => {
    const model = kernelModel(twins, { design });
    const runs = Object.fromEntries((['none', 'por', 'symmetry', 'all'] as const).map((reduction) => [reduction, check(model, { reduction })]));
    for (const r of Object.values(runs)) expect({ verdict: r.verdict, property: r.property }).toEqual({ verdict, property });
    expect(runs.symmetry.stats.reduction).toMatchObject({ symmetry: true, por: false });
    expect(runs.all.stats.reduction).toMatchObject({ symmetry: true, por: true });
    expect(Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, r.stats.distinctStates]))).toEqual(distinct);
    expect(checkReductionContract(model).problems).toEqual([]);
    if (verdict === 'pass') {
      // The mirror images merge: fewer states, and all together fewer still.
      expect(runs.symmetry.stats.distinctStates).toBeLessThan(runs.none.stats.distinctStates);
      expect(runs.all.stats.distinctStates).toBeLessThanOrEqual(runs.symmetry.stats.distinctStates);
    } else {
      const path = runs.all.path!;
      let s = [...model.initialStates()][0];
      for (const step of path.steps) {
        const next = model.nextState(s, step.action);
        expect(next !== undefined && is(next, step.state)).toBe(true);
        s = next!;
      }
      expect(model.invariants.find((i) => i.name === property)!.holds(s)).toBe(false);
    }
  });

  it('rejects CPUs declared interchangeable that run different programs', () => {
    const lying: Scenario = { ...concurrentLocklessWalks, symmetry: { cpus: [0, 1] } };
    expect(() => kernelModel(lying, { design: 'v6' })).toThrow(UsageError);
    expect(() => kernelModel(lying, { design: 'v6' })).toThrow('CPUs 0, 1 are declared interchangeable but do not start alike');
  });
});
