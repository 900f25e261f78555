/**
 * A kernel VA made valid inside a lazy MMU section and used before the section ends
 * (docs/background.md; invariant 6).
 *
 * Inside the section queue_pte_barriers() only sets TIF_LAZY_MMU_PENDING: the dsb(ishst); isb
 * that publishes the new entry to the table walker comes at arch_leave. Task A runs
 * apply_to_existing_page_range() with a callback that installs a pte and then writes through
 * the new mapping at once. The walker may still see the old (invalid) entry: a translation
 * fault on memory the code just mapped. Pausing lazy MMU around the store makes the barrier
 * immediate (lazy_mmu_mode_pause()/resume()).
 */
import { List } from 'immutable';
import { regionBase } from '../hardware/geometry.ts';
import { apply_to_existing_page_range } from '../kernel/pte_range.ts';
import { Mm } from '../kernel/state.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

export const deferredIsbAccess: Scenario = {
  name: 'deferred-isb-access',
  summary: 'a pte made valid inside a lazy section and written through before the batched dsb/isb',
  seed: 'por-el1-reset-on-exception-entry-vs-lazy-mmu.txt',
  invariants: ['no-access-before-pte-barriers', 'pgtable-writes-hold-pgtables-overlay', 'lazy-mmu-calls-balanced'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['set-direct-map'],
  expectations: {
    v6: {
      verdict: 'violation',
      property: 'no-access-before-pte-barriers',
      callTrace: ['populate_and_touch_pte', 'apply_to_existing_page_range'],
      why: 'the barrier is owed until the section ends; the walker may not see the new pte yet',
    },
    'v6-pause-around-early-access': { verdict: 'pass', why: 'paused, queue_pte_barriers() emits the dsb/isb at once' },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const page = boot.alloc('page to map');
    const other = boot.alloc('vmalloc page');
    const pgdA = boot.userPgd("A's pgd");
    const va = regionBase(g, 'vmalloc');
    boot.map(va + 1, other);
    const slot = boot.slot(va);
    boot.mapLinear();
    const booted = boot.finish();
    const A = runningTask('A', 1, 0, apply_to_existing_page_range, { table: slot.table, index: slot.index, count: 1, pa: page, fn: 'populate_and_touch_pte' }, 0);
    return machine(booted, {
      running: [0],
      tasks: [A, idleTask(0)],
      mms: List([new Mm({ name: "A's mm", pgd: pgdA })]),
    });
  },
};
