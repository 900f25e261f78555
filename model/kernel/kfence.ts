/**
 * KFENCE's page protection on arm64 (mm/kfence/core.c, arch/arm64/include/asm/kfence.h).
 *
 * A freed KFENCE object's page is protected (its linear-map pte invalid); reusing the object
 * unprotects it with set_memory_valid(addr, 1, 1), and kfence_guarded_alloc() then writes
 * the canary bytes around the object, in the same page. Allocations happen in any context
 * the slab allocator is called from, softirq included (GFP_ATOMIC): this is the atomic-context
 * caller of set_memory_valid() that split_kernel_leaf_mapping()'s early return and commit
 * b81c688426a9 (no barrier batching in interrupt context) are about.
 *
 * The KFENCE pool is mapped with ptes (arm64_kfence_map_pool(): NO_BLOCK_MAPPINGS |
 * NO_CONT_MAPPINGS); the scenarios put it in the layout as `__kfence_pool` .. `__kfence_pool_end`.
 */
import { kfunc, local } from './exec.ts';
import { kernel_write } from './access.ts';
import { set_memory_valid } from './pageattr.ts';

export const kfence_protect_page = kfunc(
  'kfence_protect_page',
  'arch/arm64/include/asm/kfence.h',
  [
    local('set_memory_valid(addr, 1, !protect)', (k) => k.call(set_memory_valid, { start: k.num('addr'), numpages: 1, enable: !k.local('protect') })),
    local('return true', (k) => k.ret(true)),
  ],
  { inline: true },
);

export const kfence_unprotect = kfunc('kfence_unprotect', 'mm/kfence/core.c', [
  local('return !KFENCE_WARN_ON(!kfence_protect_page(ALIGN_DOWN(addr, PAGE_SIZE), false))', (k) =>
    k.call(kfence_protect_page, { addr: k.num('addr'), protect: false }),
  ),
]);

/**
 * kfence_handle_page_fault(addr, is_write, regs) (mm/kfence/core.c), called by
 * __do_kernel_fault() for a translation fault (model/kernel/fault.ts): on a KFENCE page it
 * reports the access (kfence_report_error(), done by fault.ts) and returns
 * kfence_unprotect(addr): the page is made valid and the faulting access runs again.
 * Locals: `addr`.
 */
export const kfence_handle_page_fault = kfunc('kfence_handle_page_fault', 'mm/kfence/core.c', [
  local('return kfence_unprotect(addr); /* Unprotect and let access proceed. */', (k) => k.call(kfence_unprotect, { addr: k.num('addr') })),
  local('return true', (k) => k.ret(true)),
]);

/** `flags` key: the scenario's one KFENCE object has been taken off kfence_freelist. */
export const KFENCE_OBJECT_ALLOCATED = 'kfence_object_allocated';

/**
 * Locals: `addr` (the object's page). Abstraction: one object per page, its canary in the same
 * page; the pool holds the one object, so a second allocation finds the freelist empty and
 * returns NULL (the slab allocator then serves it): two CPUs never allocate the same object.
 */
export const kfence_guarded_alloc = kfunc('kfence_guarded_alloc', 'mm/kfence/core.c', [
  local('raw_spin_lock_irqsave(&kfence_freelist_lock); meta = list_first_entry_or_null(&kfence_freelist); list_del_init(&meta->list); raw_spin_unlock_irqrestore(); if (!meta) return NULL', (k) =>
    k.s.flags.get(KFENCE_OBJECT_ALLOCATED) === true ? k.ret() : k.update((s) => s.setIn(['flags', KFENCE_OBJECT_ALLOCATED], true)).next(),
  ),
  local('if (meta->state == KFENCE_OBJECT_FREED) kfence_unprotect(meta->addr)', (k) => k.call(kfence_unprotect, { addr: k.num('addr') })),
  local('set_canary(meta): *((u64 *)addr) = KFENCE_CANARY_PATTERN_U64', (k) => k.call(kernel_write, { va: k.num('addr'), what: 'the KFENCE object' })),
]);

/** The layout's names for a one-object KFENCE pool at `object` (a linear-map VA). */
export function kfencePoolVas(object: number): Map<string, number> {
  return new Map([
    ['__kfence_pool', object],
    ['__kfence_pool_end', object + 1],
    ['kfence object', object],
  ]);
}
