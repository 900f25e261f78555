/** diffDesigns: verdict flips, regressions (also where BASE violates something else), reachable events. */
import { describe, expect, it } from 'vitest';
import { diffDesigns, eventContext } from '../../api/diff.ts';
import { renderDiff } from '../../cli/diff.ts';
import example from '../../examples/designs/pause-lazy-mmu-in-finish-task-switch.ts';
import { defineDesign, local } from '../../api/design.ts';
import doublePause from './fixtures/double-pause.ts';
import { allScenarios } from '../../model/scenarios/index.ts';

const SEED = 'seed-por-reset-lazy-mmu';

describe('diffDesigns', () => {
  it('where both pass: what became reachable, in the kernel\'s terms (no POR reset: a softirq runs at the interrupted level)', () => {
    const d = diffDesigns('v6', 'v6-no-por-reset', { scenarios: ['kfence-softirq', 'tlbi-elision'] });
    expect(d.scenarios.map((s) => [s.scenario, s.verdictChanged, s.nowReachable, s.noLongerReachable, s.base.distinctStates, s.new.distinctStates])).toEqual([
      ['kfence-softirq', false, ['write of the KFENCE object in kfence_guarded_alloc: POR PGTABLES, lazy MMU off, exception depth 1'], [], 116, 116],
      ['tlbi-elision', false, [], [], 185, 185],
    ]);
    expect([d.regressions, d.unchanged]).toEqual([[], false]);
  });

  it('which function makes the page-table stores: the pte-only pageattr walker instead of the pagewalk one', () => {
    const d = diffDesigns('v6', 'pte-only-pageattr', { scenarios: ['kfence-softirq'] });
    expect(d.scenarios.map((s) => [s.verdictChanged, s.nowReachable, s.noLongerReachable])).toEqual([
      [
        false,
        ['pgtable store in change_page_range (PGTABLES page): POR PGTABLES, lazy MMU off, exception depth 1'],
        ['pgtable store in pageattr_pte_entry (PGTABLES page): POR PGTABLES, lazy MMU off, exception depth 1'],
      ],
    ]);
  });

  it('a regression is a violation of an invariant BASE holds, even where BASE violates another one', () => {
    const d = diffDesigns('v4', 'v6-no-por-reset', { scenarios: ['irq-frees-pgtable'] });
    const s = d.scenarios[0];
    expect([s.base.verdict, s.base.property, s.new.verdict, s.new.property, s.regression]).toEqual([
      'violation',
      'pgtable-writes-hold-pgtables-overlay',
      'violation',
      'el1-handlers-run-with-por-init',
      true,
    ]);
    expect(s.counterexample?.callTrace).toEqual(['arch_timer_handler_phys', 'el1_interrupt', 'el1h_64_irq', 'vmap']);
    // ... and not where BASE violates it too.
    const back = diffDesigns('v6-no-por-reset', 'v4', { scenarios: ['irq-frees-pgtable'] }).scenarios[0];
    expect([back.verdictChanged, back.regression]).toEqual([true, true]);
    const same = diffDesigns('v6-no-por-reset', 'v6-no-por-restore-on-return', { scenarios: ['irq-frees-pgtable'] }).scenarios[0];
    expect([same.verdictChanged, same.regression]).toEqual([false, false]);
  });

  it('a violation of NEW\'s own invariant is a regression when BASE, checked against it, holds it', () => {
    // double-pause's own invariant (pause_count <= 1), which v6-pause-lazy-mmu-in-finish-task-switch holds.
    const d = diffDesigns('v6-pause-lazy-mmu-in-finish-task-switch', doublePause, { scenarios: [SEED] });
    expect([d.scenarios[0].new.property, d.scenarios[0].regression]).toEqual(['lazy-mmu-paused-at-most-once', true]);
    // v6 holds it too (it never pauses), while violating pgtable-writes-hold-pgtables-overlay.
    const fromV6 = diffDesigns('v6', doublePause, { scenarios: [SEED] }).scenarios[0];
    expect([fromV6.base.property, fromV6.new.property, fromV6.regression]).toEqual(['pgtable-writes-hold-pgtables-overlay', 'lazy-mmu-paused-at-most-once', true]);
  });

  it('a fix is no regression: violation → pass, with both state counts', () => {
    const d = diffDesigns('v6', example, { scenarios: ['seed-por-reset-lazy-mmu'] });
    expect(d.scenarios[0]).toMatchObject({
      base: { verdict: 'violation', property: 'pgtable-writes-hold-pgtables-overlay', distinctStates: 508, traceLength: 18 },
      new: { verdict: 'pass', complete: true, distinctStates: 1279 },
      verdictChanged: true,
      regression: false,
      nowReachable: [],
      noLongerReachable: [],
    });
    expect(d.scenarios[0].counterexample).toBeUndefined();
  });

  it('a design file against its built-in twin: no change', () => {
    const d = diffDesigns('v6-pause-lazy-mmu-in-finish-task-switch', example);
    expect([d.unchanged, d.scenarios.length]).toEqual([true, allScenarios().length]);
  });

  it('the same inputs give the same text, byte for byte', () => {
    const a = renderDiff(diffDesigns('no-batching', 'v6', { scenarios: ['enter-window-preempt', 'irq-frees-pgtable'] }));
    const b = renderDiff(diffDesigns('no-batching', 'v6', { scenarios: ['enter-window-preempt', 'irq-frees-pgtable'] }));
    expect(a).toBe(b);
    expect(a).not.toMatch(/\d s\b|states\/s/);
  });

  it('eventContext summarises only page-table stores and accesses', () => {
    expect(eventContext({ kind: 'walk-start', range: [0, 1], concurrent: [], cpu: 0, task: 'A', callTrace: [] }, undefined as never)).toBeUndefined();
  });

  it('a step that is not kernel-visible changes nothing', () => {
    const noop = defineDesign({
      name: 'noop-wrapper',
      functions: { vfree: { wrap: (original) => [local('vfree()', (k) => k.call(original, { ...k.frame.locals }))] } },
    });
    const d = diffDesigns('v6', noop, { scenarios: ['irq-frees-pgtable'] });
    expect(d.unchanged).toBe(true);
  });
});
