import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { expectCells } from './cells.ts';

const P1 = 'pgtable-writes-hold-pgtables-overlay';

expectCells('seed-por-reset-lazy-mmu', {
  v6: ['violation', P1, 18, 508],
  v5: ['violation', P1, 19, 618],
  v4: ['violation', P1, 19, 618],
  'v6-atomic-lazy-switch': ['violation', P1, 18, 369],
  'v6-no-por-reset': ['violation', P1, 18, 508],
  'v6-no-por-reset-atomic-lazy-switch': ['pass', undefined, undefined, 730],
  'v6-pause-lazy-mmu-in-finish-task-switch': ['pass', undefined, undefined, 1279],
  'v6-guard-checks-live-por': ['pass', undefined, undefined, 1166],
  'no-batching': ['pass', undefined, undefined, 1539],
  'v6-barriers-then-restore': ['violation', P1, 18, 508],
  'v6-hook-then-count': ['violation', P1, 19, 552],
  'v6-no-por-reset-hook-then-count': ['violation', P1, 22, 697],
});

expectCells('enter-window-preempt', {
  v6: ['violation', P1, 18, 124],
  v5: ['violation', P1, 19, 147],
  v4: ['violation', P1, 19, 147],
  'v6-atomic-lazy-switch': ['violation', P1, 18, 67],
  'v6-no-por-reset': ['violation', P1, 18, 124],
  'v6-no-por-reset-guard-checks-live-por': ['violation', 'lazy-section-restores-por', 29, 181],
  'v6-no-por-reset-atomic-lazy-switch': ['pass', undefined, undefined, 87],
  'v6-pause-lazy-mmu-in-finish-task-switch': ['pass', undefined, undefined, 201],
  'v6-guard-checks-live-por': ['pass', undefined, undefined, 181],
  'no-batching': ['pass', undefined, undefined, 182],
  'v6-barriers-then-restore': ['violation', P1, 18, 124],
  'v6-hook-then-count': ['violation', P1, 19, 129],
  'v6-no-por-reset-hook-then-count': ['violation', P1, 21, 139],
});

expectCells('irq-frees-pgtable', {
  v4: ['violation', P1, 8, 68],
  v5: ['pass', undefined, undefined, 217],
  v6: ['pass', undefined, undefined, 191],
  'v6-no-por-reset': ['violation', 'el1-handlers-run-with-por-init', 3, 9],
  'v6-no-por-restore-on-return': ['violation', 'el1-handlers-run-with-por-init', 14, 150],
  'lazy-mmu-disable-without-bailout': ['violation', 'lazy-mmu-calls-balanced', 10, 98],
  'pgtable-free-keeps-pkey': ['violation', 'pgtable-pages-carry-pgtables-pkey', 4, 20],
});

expectCells('nested-lazy-save-slot', {
  'v5-nesting': ['violation', 'lazy-section-restores-por', 19, 20],
  'v5-nesting-per-level-slot': ['pass', undefined, undefined, 20],
  v6: ['pass', undefined, undefined, 13],
});

expectCells('deferred-isb-access', {
  v6: ['violation', 'no-access-before-pte-barriers', 4, 5],
  'v6-pause-around-early-access': ['pass', undefined, undefined, 14],
});

expectCells('tlbi-elision', {
  v6: ['pass', undefined, undefined, 185],
  'tlbi-elision-rw-to-ro': ['violation', 'no-stale-tlb-after-permission-change', 16, 93],
});

describe('what the counterexamples say', () => {
  it('v6-no-por-reset: the fault comes through the enable window, not the reset (no IRQ after arch_enter)', () => {
    const { report } = runScenario('seed-por-reset-lazy-mmu', { design: 'v6-no-por-reset' });
    const labels = report.trace!.map((t) => t.action);
    const irq = labels.findIndex((l) => l.includes('IRQ (timer)'));
    expect(labels[irq - 1]).toBe('CPU0 A: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()');
    expect(labels.some((l) => l.includes('arch_enter_lazy_mmu_mode: set_thread_flag'))).toBe(false);
    expect(report.callTrace).toContain('lazy_mmu_mode_enable');
  });

  it('v6-atomic-lazy-switch: the seed as told, arch_enter raised POR_EL1 before the IRQ reset it', () => {
    const { report } = runScenario('seed-por-reset-lazy-mmu', { design: 'v6-atomic-lazy-switch' });
    const labels = report.trace!.map((t) => t.action);
    expect(labels[0]).toBe('CPU0 A: lazy_mmu_mode_enable: if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode()');
    expect(labels.indexOf('CPU0 A: IRQ (timer)')).toBeGreaterThan(0);
    expect(report.message).toBe('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000');
  });

  it('irq-frees-pgtable under v4: the free runs in the RCU softirq on top of the batch', () => {
    const { report } = runScenario('irq-frees-pgtable', { design: 'v4' });
    expect(report.callTrace).toEqual([
      'pageattr_pte_entry', 'walk_pgd_range', 'walk_kernel_page_table_range_lockless', 'update_range_prot', 'set_memory_pkey',
      'kpkeys_pgtable_free', 'tlb_remove_table_rcu', 'rcu_core', '__do_softirq', 'el1_interrupt', 'el1h_64_irq', 'vmap',
    ]);
  });
});
