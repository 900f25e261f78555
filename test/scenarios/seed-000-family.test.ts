import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { expectCells } from './cells.ts';

const P1 = 'pgtable-writes-hold-pgtables-overlay';

expectCells('seed-por-reset-lazy-mmu', {
  v6: ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  v5: ['violation', 'pgtable-writes-hold-pgtables-overlay', 19, 618],
  v4: ['violation', 'pgtable-writes-hold-pgtables-overlay', 19, 618],
  'v6-atomic-lazy-switch': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 369],
  'v6-no-por-reset': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'v6-no-por-reset-atomic-lazy-switch': ['pass', undefined, undefined, 730],
  'v6-pause-lazy-mmu-in-finish-task-switch': ['pass', undefined, undefined, 1279],
  'v6-guard-checks-live-por': ['pass', undefined, undefined, 1166],
  'no-batching': ['pass', undefined, undefined, 1539],
});

expectCells('enter-window-preempt', {
  v6: ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  v5: ['violation', 'pgtable-writes-hold-pgtables-overlay', 19, 618],
  v4: ['violation', 'pgtable-writes-hold-pgtables-overlay', 19, 618],
  'v6-atomic-lazy-switch': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 369],
  'v6-no-por-reset': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'v6-no-por-reset-guard-checks-live-por': ['violation', 'lazy-section-restores-por', 30, 1073],
  'v6-no-por-reset-atomic-lazy-switch': ['pass', undefined, undefined, 730],
  'v6-pause-lazy-mmu-in-finish-task-switch': ['pass', undefined, undefined, 1279],
  'v6-guard-checks-live-por': ['pass', undefined, undefined, 1166],
  'no-batching': ['pass', undefined, undefined, 1539],
});

expectCells('irq-frees-pgtable', {
  v4: ['violation', 'pgtable-writes-hold-pgtables-overlay', 19, 618],
  v5: ['violation', 'pgtable-writes-hold-pgtables-overlay', 19, 618],
  v6: ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'v6-no-por-reset': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'v6-no-por-restore-on-return': ['violation', 'pgtable-writes-hold-pgtables-overlay', 7, 58],
  'lazy-mmu-disable-without-bailout': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'pgtable-free-keeps-pkey': ['violation', 'pgtable-pages-carry-pgtables-pkey', 14, 323],
});

expectCells('nested-lazy-save-slot', {
  'v5-nesting': ['pass', undefined, undefined, 1499],
  'v5-nesting-per-level-slot': ['pass', undefined, undefined, 1499],
  v6: ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
});

expectCells('deferred-isb-access', {
  v6: ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'v6-pause-around-early-access': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
});

expectCells('tlbi-elision', {
  v6: ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
  'tlbi-elision-rw-to-ro': ['violation', 'pgtable-writes-hold-pgtables-overlay', 18, 508],
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
