/**
 * The windows of lazy_mmu_mode_enable()/disable() on their own (docs/background.md, "The enter and leave windows").
 *
 * The generic code is `if (state->enable_count++ == 0) arch_enter_lazy_mmu_mode();` with
 * preemption enabled, and likewise `if (--state->enable_count == 0) arch_leave_lazy_mmu_mode();`.
 * Task A maps one page with vmap() (a lazy section with one pte store). An IRQ may arrive
 * anywhere and preempt A; task B exits, so A's finish_task_switch() frees B's pgd, whose
 * set_memory_pkey() runs a nested lazy section in A's context:
 *  - in the enter window the nested enable only counts: the guard is skipped while POR_EL1 was
 *    never raised (invariant 1), with or without the POR reset on entry;
 *  - in the leave window the nested section is an outermost one: its arch_enter saves the
 *    raised POR_EL1 over A's single por_el1_lazy_mmu slot, and A leaves its section at the
 *    PGTABLES level (invariant 4) once the guard no longer faults (live-POR guard, no reset).
 * Check `--invariant lazy-mmu-active-implies-pgtables-level` to see the window itself: it is
 * open after the very first step of every design without the atomic switch.
 */
import { List } from 'immutable';
import { regionBase } from '../hardware/geometry.ts';
import { vmap } from '../kernel/pte_range.ts';
import { Mm } from '../kernel/state.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Expectation, type Scenario } from './scenario.ts';
import { POR_SEED_INVARIANTS } from './seed-por-reset-lazy-mmu.ts';
import { exitingTask, idleTask, machine, runningTask } from './tasks.ts';

const TRACE = ['pageattr_pte_entry', 'update_range_prot', 'set_memory_pkey', 'kpkeys_pgtable_free', 'pgd_free', '__mmdrop', 'finish_task_switch', '__schedule', 'preempt_schedule_irq', 'el1_interrupt', 'vmap'];
const fault = (why: string): Expectation => ({ verdict: 'violation', property: 'pgtable-writes-hold-pgtables-overlay', callTrace: TRACE, why });

export const enterWindowPreempt: Scenario = {
  name: 'enter-window-preempt',
  summary: 'the windows between enable_count++/-- and arch_enter/arch_leave_lazy_mmu_mode(), with the least code around them',
  seed: 'por-el1-reset-on-exception-entry-vs-lazy-mmu.txt',
  invariants: POR_SEED_INVARIANTS,
  params: { irqs: 1, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['idle', 'ptdump'],
  expectations: {
    v6: fault('IRQ in the enter window: the nested enable in finish_task_switch() only counts, the guard is skipped, POR_EL1 is at the default level'),
    v5: fault('the enter window is harmless with the TIF_LAZY_MMU guard, but an IRQ after arch_enter resets POR_EL1 and the guard skips'),
    v4: fault('as v5: the v4 guard skips on TIF_LAZY_MMU whatever the context'),
    'v6-atomic-lazy-switch': fault('no window, but the reset on IRQ entry lowers POR_EL1 under the batch'),
    'v6-no-por-reset': fault('the enter window alone: POR_EL1 was never raised when the nested writer skips its guard'),
    'v6-no-por-reset-guard-checks-live-por': {
      verdict: 'violation',
      property: 'lazy-section-restores-por',
      why: 'the leave window alone: the nested section saves the raised POR_EL1 over the single slot; A leaves its section at PGTABLES',
    },
    'v6-no-por-reset-atomic-lazy-switch': { verdict: 'pass', why: 'no window and no reset: while the section is active POR_EL1 is raised' },
    'v6-pause-lazy-mmu-in-finish-task-switch': { verdict: 'pass', why: 'the nested section runs paused: its writes take the guard' },
    'v6-guard-checks-live-por': { verdict: 'pass', why: 'the guard raises POR_EL1 when needed; the reset makes the slot overwrite harmless (it saves POR_EL1_INIT)' },
    'no-batching': { verdict: 'pass', why: 'no batching: every write raises POR_EL1 itself' },
    'v6-barriers-then-restore': fault('as v6: the IRQ lands in the enter window, before any arch_leave_lazy_mmu_mode()'),
    'v6-hook-then-count': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      why: 'the enter window closes (POR_EL1 is raised before enable_count is stored), but the reset on IRQ entry still lowers POR_EL1 under the batch',
    },
    'v6-no-por-reset-hook-then-count': {
      verdict: 'violation',
      property: 'pgtable-writes-hold-pgtables-overlay',
      why: 'the leave window: arch_leave has restored POR_EL1 while enable_count is still 1, so the nested section in finish_task_switch() only counts and skips its guard',
    },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const page = boot.alloc('page to vmap');
    const other = boot.alloc('vmalloc page');
    const pgdA = boot.userPgd("A's pgd");
    const pgdB = boot.userPgd("B's pgd");
    const va = regionBase(g, 'vmalloc');
    boot.map(va + 1, other);
    const slot = boot.slot(va);
    boot.mapLinear();
    const booted = boot.finish();
    return machine(booted, {
      running: [0],
      tasks: [runningTask('A', 1, 0, vmap, { table: slot.table, index: slot.index, count: 1, pa: page }, 0), exitingTask('B', 2, 0, 1), idleTask(0)],
      mms: List([new Mm({ name: "A's mm", pgd: pgdA }), new Mm({ name: "B's mm", pgd: pgdB })]),
    });
  },
};
