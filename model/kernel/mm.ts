/**
 * mm lifetime (kernel/fork.c, kernel/exit.c, include/linux/sched/mm.h) and the pgd free path
 * of the kpkeys series (arch/arm64/mm/pgd.c, mm/kpkeys_hardened_pgtables.c).
 *
 * mm_count holds the mm itself; a task that exits keeps it as its lazy-TLB active_mm until
 * it is switched out, and the switch hands it to rq->prev_mm, dropped in
 * finish_task_switch() of whichever task runs next.
 */
import { KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES } from '../hardware/pkeys.ts';
import { linearAlias } from '../hardware/geometry.ts';
import { event, fnNamed, kfunc, local } from './exec.ts';
import { FREE_PGTABLE_PAGE, RcuCallback } from './state.ts';
import { might_sleep } from './mutex.ts';
import { set_memory_pkey } from './pageattr.ts';
import { __schedule } from './sched.ts';

export const kpkeys_pgtable_free = kfunc('kpkeys_pgtable_free', 'mm/kpkeys_hardened_pgtables.c', [
  local('set_memory_pkey(page_address(page), 1, KPKEYS_PKEY_DEFAULT)', (k) =>
    k.knobs.pgtableFreeResetsPkey
      ? k.call(set_memory_pkey, { start: linearAlias(k.env.geometry, k.num('page')), numpages: 1, pkey: KPKEYS_PKEY_DEFAULT })
      : k.ret(),
  ),
]);

/**
 * kpkeys_pgtable_alloc(gfp) as split_pgtable_alloc() calls it (pagetable_alloc() with
 * __GFP_PGTABLE_SPLIT, kpkeys v6 patch 15). Returns the page, or -1 (NULL).
 *
 * - `pba-reserve` (v6): pba_pgtable_alloc() -> get_cached_page(): with __GFP_PGTABLE_SPLIT a
 *   page of the reserve, already mapped with KPKEYS_PKEY_PGTABLES (the allocator tagged it when
 *   it refilled its cache, before the split: kpkeys_prepare_direct_map_split()). Abstraction:
 *   the reserve is full when the scenario starts, so the refill is not modelled.
 * - `noblock`: noblock_pgtable_alloc(): alloc_pages_noprof(gfp, 0), then set_pkey_pgtable() ->
 *   set_memory_pkey(page_address(page), 1, KPKEYS_PKEY_PGTABLES). From inside the split that is
 *   a nested update_range_prot(), which calls split_kernel_leaf_mapping() again: "we cannot
 *   recursively split the linear map" (v6 patch 15). The scenarios' spare page is tagged at boot
 *   either way, so the pkey itself does not change.
 */
export const kpkeys_pgtable_alloc = kfunc('kpkeys_pgtable_alloc', 'mm/kpkeys_hardened_pgtables.c', [
  event('page = pba_enabled() ? get_cached_page(gfp) : alloc_pages_noprof(gfp, 0)', (k) => {
    k = might_sleep(k, 'pagetable_alloc(GFP_PGTABLE_KERNEL)');
    const page = k.s.flags.get(FREE_PGTABLE_PAGE);
    if (typeof page !== 'number') return k.ret(-1);
    return k.update((s) => s.deleteIn(['flags', FREE_PGTABLE_PAGE])).setLocal('page', page).next();
  }),
  local('if (!pba_enabled()) ret = set_pkey_pgtable(page, 1): set_memory_pkey(page_address(page), 1, KPKEYS_PKEY_PGTABLES)', (k) =>
    k.knobs.splitPgtableAlloc === 'noblock'
      ? k.call(set_memory_pkey, { start: linearAlias(k.env.geometry, k.num('page')), numpages: 1, pkey: KPKEYS_PKEY_PGTABLES })
      : k.next(),
  ),
  local('WARN_ON(ret); if (ret) { __free_page(page); return NULL; } return page', (k) => {
    const [err, kk] = k.takeRet();
    if (typeof err === 'number' && err !== 0) return kk.update((s) => s.setIn(['flags', FREE_PGTABLE_PAGE], kk.num('page'))).ret(-1);
    return kk.ret(kk.num('page'));
  }),
]);

export const pgd_free = kfunc('pgd_free', 'arch/arm64/mm/pgd.c', [
  local('kpkeys_pgtable_free(virt_to_page(pgd))', (k) => {
    const page = k.num('pgd');
    return k.update((s) => s.setIn(['pgtable_role', page], 'freeing')).call(kpkeys_pgtable_free, { page });
  }),
  // Abstraction: nobody allocates in these scenarios, so handing the page back is not an event.
  local('__free_pages(virt_to_page(pgd), 0)', (k) => k.update((s) => s.setIn(['pgtable_role', k.num('pgd')], 'free')).ret()),
]);

export const __mmdrop = kfunc('__mmdrop', 'kernel/fork.c', [
  local('mm_free_pgd(mm): pgd_free(mm, mm->pgd)', (k) => k.call(pgd_free, { pgd: k.s.mms.get(k.num('mm'))!.pgd })),
  local('free_mm(mm)', (k) => k.update((s) => s.setIn(['mms', k.num('mm'), 'freed'], true)).ret()),
]);

export const mmdrop = kfunc(
  'mmdrop',
  'include/linux/sched/mm.h',
  [
    event('if (unlikely(atomic_dec_and_test(&mm->mm_count))) __mmdrop(mm)', (k) => {
      const mm = k.num('mm');
      const count = k.s.mms.get(mm)!.mm_count - 1;
      k = k.update((s) => s.setIn(['mms', mm, 'mm_count'], count));
      return count === 0 ? k.call(__mmdrop, { mm }) : k.ret();
    }),
  ],
  { inline: true },
);

/**
 * mmdrop_sched() under PREEMPT_RT defers the free to an RCU callback (softirq context);
 * otherwise it is mmdrop().
 */
export const mmdrop_lazy_tlb_sched = kfunc(
  'mmdrop_lazy_tlb_sched',
  'include/linux/sched/mm.h',
  [
    local('mmdrop_sched(mm)', (k) => (k.knobs.preemption === 'rt' ? k.call(mmdrop_sched_rt, { mm: k.num('mm') }) : k.call(mmdrop, { mm: k.num('mm') }))),
  ],
  { inline: true },
);

export const mmdrop_sched_rt = kfunc(
  'mmdrop_sched',
  'include/linux/sched/mm.h',
  [
    event('if (atomic_dec_and_test(&mm->mm_count)) call_rcu(&mm->delayed_drop, __mmdrop_delayed)', (k) => {
      const mm = k.num('mm');
      const count = k.s.mms.get(mm)!.mm_count - 1;
      k = k.update((s) => s.setIn(['mms', mm, 'mm_count'], count));
      if (count !== 0) return k.ret();
      // The callback runs after a grace period, from the RCU softirq (rcu_core).
      return k.update((s) => s.set('rcu_callbacks', s.rcu_callbacks.push(new RcuCallback({ fn: '__mmdrop_delayed', arg: mm })))).ret();
    }),
  ],
  { inline: true },
);

export const __mmdrop_delayed = kfunc('__mmdrop_delayed', 'kernel/fork.c', [local('__mmdrop(mm)', (k) => k.call(__mmdrop, { mm: k.num('arg') }))]);

/**
 * rcu_core(): runs callbacks whose grace period has elapsed. Abstraction: a queued callback is
 * ready by the next RCU softirq; one callback per softirq run.
 */
export const rcu_core = kfunc('rcu_core', 'kernel/rcu/tree.c', [
  local('rcu_do_batch(): rhp->func(rhp)', (k) => {
    const cb = k.s.rcu_callbacks.first();
    if (!cb) return k.ret();
    return k.update((s) => s.set('rcu_callbacks', s.rcu_callbacks.shift())).call(fnNamed(cb.fn), { arg: cb.arg });
  }),
]);

export const exit_mm = kfunc('exit_mm', 'kernel/exit.c', [
  // Abstraction: mmgrab_lazy_tlb() (+1) and mmput()'s final mmdrop() (-1) cancel out; nobody else
  // holds this mm, so the three updates are one step.
  event('mmgrab_lazy_tlb(mm); current->mm = NULL; mmput(mm)', (k) => {
    const mm = k.task.mm!;
    return k
      .setTask((t) => t.set('mm', null))
      .update((s) => s.setIn(['mms', mm, 'mm_users'], 0))
      .next();
  }),
]);

export const do_task_dead = kfunc('do_task_dead', 'kernel/sched/core.c', [
  event('set_special_state(TASK_DEAD); preempt_disable()', (k) =>
    k.setTask((t) => t.set('__state', 'dead')).setCpu((c) => c.set('preempt_count', c.preempt_count + 1)).next(),
  ),
  local('__schedule(SM_NONE)', (k) => k.call(__schedule)),
  local('BUG()', () => {
    throw new Error('a dead task was scheduled again');
  }),
]);

export const do_exit = kfunc('do_exit', 'kernel/exit.c', [
  local('exit_mm()', (k) => k.call(exit_mm)),
  local('do_task_dead()', (k) => k.call(do_task_dead)),
]);

/**
 * A page-table page freed after an RCU grace period (mm/mmu_gather.c: tlb_remove_table_rcu ->
 * __tlb_remove_table -> pagetable_dtor_free), here in softirq context.
 */
export const tlb_remove_table_rcu = kfunc('tlb_remove_table_rcu', 'mm/mmu_gather.c', [
  local('__tlb_remove_table(table) -> pagetable_dtor_free(ptdesc)', (k) => {
    const page = k.num('arg');
    return k.update((s) => s.setIn(['pgtable_role', page], 'freeing')).call(kpkeys_pgtable_free, { page });
  }),
  local('__free_pages(page, 0)', (k) => k.update((s) => s.setIn(['pgtable_role', k.num('arg')], 'free')).ret()),
]);
