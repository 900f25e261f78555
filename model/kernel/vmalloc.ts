/**
 * vfree() down to the pte clears (mm/vmalloc.c). vunmap_pte_range() is the lazy MMU section
 * of seed 000: "a thread entered lazy MMU mode in vunmap_pte_range() (inlined)".
 *
 * Abstraction: the vmap area's TLB flush is deferred (lazy purge) and not modelled; only the
 * unmap, which is what interleaves with the IRQ, is.
 */
import { kfunc, local, nextPte } from './exec.ts';
import { leafSlot } from './hw.ts';
import { __ptep_get_and_clear, writeArgs } from './kpkeys.ts';
import { lazy_mmu_mode_disable, lazy_mmu_mode_enable } from './lazy_mmu.ts';
import { preemptionPoint } from './sched.ts';

export const vunmap_pte_range = kfunc(
  'vunmap_pte_range',
  'mm/vmalloc.c',
  [
    local('lazy_mmu_mode_enable()', (k) => k.call(lazy_mmu_mode_enable)),
    local('ptent = ptep_get_and_clear(&init_mm, addr, pte)', (k) =>
      k.call(__ptep_get_and_clear, writeArgs({ table: k.num('table'), index: k.num('index'), level: 3, value: null })),
      { name: 'loop' },
    ),
    nextPte(),
    local('lazy_mmu_mode_disable()', (k) => k.call(lazy_mmu_mode_disable)),
  ],
  { inline: true },
);

export const __vunmap_range_noflush = kfunc('__vunmap_range_noflush', 'mm/vmalloc.c', [
  local('vunmap_p4d_range() -> vunmap_pud_range() -> vunmap_pmd_range() -> vunmap_pte_range(pmd, addr, end)', (k) => {
    const start = k.num('start');
    const slot = leafSlot(k, start);
    if (!slot || slot.level !== 3) throw new Error('the vmalloc area is expected to be mapped with ptes');
    return k.call(vunmap_pte_range, { table: slot.table, index: slot.index, count: k.num('end') - start });
  }),
]);

export const remove_vm_area = kfunc('remove_vm_area', 'mm/vmalloc.c', [
  // find_unlink_vmap_area(): spin_lock(&vn->busy.lock); unlink; spin_unlock(): its
  // preempt_enable() is a preemption point (the locked section is fused with the step before).
  local('va = find_unlink_vmap_area(addr): spin_lock(&vn->busy.lock); ...; spin_unlock(&vn->busy.lock)', (k) => preemptionPoint(k, 'preempt_enable')),
  local('vunmap_range_noflush(va->va_start, va->va_end)', (k) => k.call(__vunmap_range_noflush, { start: k.num('start'), end: k.num('end') })),
]);

export const vfree = kfunc('vfree', 'mm/vmalloc.c', [
  local('might_sleep()', (k) => preemptionPoint(k, 'cond_resched')),
  local('remove_vm_area(addr)', (k) => k.call(remove_vm_area, { start: k.num('start'), end: k.num('end') }))]);
