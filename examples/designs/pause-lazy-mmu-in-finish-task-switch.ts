/**
 * Pause lazy MMU mode for the duration of finish_task_switch(), so that whatever it runs (the
 * last mmdrop of the previous mm: pgd_free -> kpkeys_pgtable_free -> set_memory_pkey) takes
 * the kpkeys write guard instead of trusting a batch that an IRQ may have interrupted.
 *
 * The change to kernel/sched/core.c:
 *
 *   static struct rq *finish_task_switch(struct task_struct *prev)
 *   {
 *   +	lazy_mmu_mode_pause();
 *   	...
 *   	finish_lock_switch(rq);
 *   	...
 *   	if (mm)
 *   		mmdrop_lazy_tlb_sched(mm);
 *   	...
 *   +	lazy_mmu_mode_resume();
 *   }
 *
 * Check it:   mmcheck check seed-por-reset-lazy-mmu --design examples/designs/pause-lazy-mmu-in-finish-task-switch.ts
 * Compare it: mmcheck diff v6 examples/designs/pause-lazy-mmu-in-finish-task-switch.ts
 */
import { defineDesign, event, kernelFunction, local } from 'mmcheck/design';

const lazy_mmu_mode_pause = kernelFunction('lazy_mmu_mode_pause');
const lazy_mmu_mode_resume = kernelFunction('lazy_mmu_mode_resume');
const mmdrop_lazy_tlb_sched = kernelFunction('mmdrop_lazy_tlb_sched');

export default defineDesign({
  name: 'pause-lazy-mmu-in-finish-task-switch',
  description: 'v6 with lazy_mmu_mode_pause()/resume() around finish_task_switch()',
  base: 'v6',
  functions: {
    finish_task_switch: {
      source: 'kernel/sched/core.c, with lazy_mmu_mode_pause()/resume() around its body',
      replace: [
        local('lazy_mmu_mode_pause()', (k) => k.call(lazy_mmu_mode_pause)),
        // IRQs come back on here: an interrupt may land anywhere after this step.
        event('finish_lock_switch(rq): raw_spin_rq_unlock_irq(rq); mm = rq->prev_mm; rq->prev_mm = NULL', (k) => {
          const mm = k.cpu.prev_mm;
          return k.setCpu((c) => c.merge({ irqs_disabled: false, prev_mm: null })).setLocal('mm', mm).next();
        }),
        local('if (mm) mmdrop_lazy_tlb_sched(mm)', (k) => {
          const mm = k.local('mm');
          return typeof mm === 'number' ? k.call(mmdrop_lazy_tlb_sched, { mm }) : k.next();
        }),
        local('lazy_mmu_mode_resume()', (k) => k.call(lazy_mmu_mode_resume)),
      ],
    },
  },
});
