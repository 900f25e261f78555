/**
 * Nested lazy MMU sections with one saved-POR slot (docs/background.md, "Nested sections clobber
 * the saved POR").
 *
 * Task A runs apply_to_existing_page_range() (an outer lazy section) whose callback,
 * kasan_populate_vmalloc_pte(), enters a section of its own. With the v5 lazy MMU every
 * enter calls arch_enter_lazy_mmu_mode(), which saves the live POR_EL1 — already raised — in
 * the single por_el1_lazy_mmu slot; the inner leave ends the batch and the outer leave
 * restores the raised value: A leaves at the PGTABLES level. Counters (v6) call the hooks only
 * at the outermost level; one slot per level also fixes it. No interrupts are needed.
 */
import { List } from 'immutable';
import { regionBase } from '../hardware/geometry.ts';
import { apply_to_existing_page_range } from '../kernel/pte_range.ts';
import { Mm } from '../kernel/state.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

export const nestedLazySaveSlot: Scenario = {
  name: 'nested-lazy-save-slot',
  summary: 'a lazy section nested in another: one saved-POR slot (v5) leaves POR_EL1 raised after the outer section',
  seed: 'por-el1-reset-on-exception-entry-vs-lazy-mmu.txt',
  invariants: ['lazy-section-restores-por', 'pgtable-writes-hold-pgtables-overlay', 'lazy-mmu-calls-balanced'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['ptdump'],
  expectations: {
    'v5-nesting': {
      verdict: 'violation',
      property: 'lazy-section-restores-por',
      why: 'the inner arch_enter saved the raised POR_EL1 over the slot; the outer arch_leave restores it',
    },
    'v5-nesting-per-level-slot': { verdict: 'pass', why: 'each arch_leave restores the value its own arch_enter saved' },
    v6: { verdict: 'pass', why: 'lazy_mmu_state counters: only the outermost enable/disable call the arch hooks' },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const pages = [boot.alloc('vmalloc page 0'), boot.alloc('vmalloc page 1')];
    const other = boot.alloc('vmalloc page');
    const pgdA = boot.userPgd("A's pgd");
    const va = regionBase(g, 'vmalloc');
    boot.map(va + 2, other);
    const slot = boot.slot(va);
    boot.mapLinear();
    const booted = boot.finish();
    const A = runningTask('A', 1, 0, apply_to_existing_page_range, { table: slot.table, index: slot.index, count: 2, pa: pages[0], fn: 'kasan_populate_vmalloc_pte' }, 0);
    return machine(booted, {
      running: [0],
      tasks: [A, idleTask(0)],
      mms: List([new Mm({ name: "A's mm", pgd: pgdA })]),
    });
  },
};
