/**
 * Partial-order reduction on two CPUs with IRQs on each: the seed scenario with `cpus=2`
 * (a background CPU) and one IRQ per CPU. Reduced and unreduced searches give the same
 * verdict and property, the reduced one in fewer states, and the footprint contract holds on
 * the first 3,000 reachable states.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../checker/index.ts';
import { checkReductionContract } from '../../checker/reduction/index.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { getScenario } from '../../model/scenarios/index.ts';

const model = () => kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6', params: { cpus: 2, irqs: 1 } });

describe('seed-por-reset-lazy-mmu, cpus=2, irqs=1, v6', () => {
  it('the same violation with --reduction all, in fewer states (9,592 unreduced, 2,711 reduced)', () => {
    const m = model();
    const none = check(m, { reduction: 'none' });
    const all = check(m, { reduction: 'all' });
    expect([none.verdict, none.property, none.stats.distinctStates]).toEqual(['violation', 'pgtable-writes-hold-pgtables-overlay', 9592]);
    expect([all.verdict, all.property, all.stats.distinctStates]).toEqual(['violation', 'pgtable-writes-hold-pgtables-overlay', 2711]);
  });

  it('a passing remedy: 36,542 states unreduced, 8,350 reduced; the reduced edges form no cycle (the deferred proviso held)', () => {
    const m = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6-pause-lazy-mmu-in-finish-task-switch', params: { cpus: 2, irqs: 1 } });
    const none = check(m, { reduction: 'none' });
    const all = check(m, { reduction: 'all' });
    expect([none.verdict, none.stats.distinctStates]).toEqual(['pass', 36542]);
    expect([all.verdict, all.stats.distinctStates]).toEqual(['pass', 8350]);
    expect(all.stats.reduction).toMatchObject({ por: true, cycleProviso: 'deferred', provisoExpansions: 0 });
  });

  it('the footprint contract holds (first 3,000 states)', () => {
    // Ownership claims, and commutation of every pair of steps whose footprints are disjoint.
    const report = checkReductionContract(model(), { maxStates: 3000 });
    expect(report.problems).toEqual([]);
    expect(report.commutations).toBeGreaterThan(100);
  });
});
