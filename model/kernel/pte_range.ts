/**
 * Lazy MMU sections over a run of ptes: vmalloc's mapping loop (mm/vmalloc.c) and
 * apply_to_page_range()'s pte level (mm/memory.c), with the callbacks the seed-000 family of
 * scenarios uses. Locals: the pte `table`, the first `index`, `count` ptes, the first page `pa`.
 */
import { Desc } from '../hardware/descriptor.ts';
import { kernel_write } from './access.ts';
import { fnNamed, kfunc, local, nextPte } from './exec.ts';
import { entryVa } from './hw.ts';
import { __set_pte, writeArgs } from './kpkeys.ts';
import { preemptionPoint } from './sched.ts';
import { lazy_mmu_mode_disable, lazy_mmu_mode_enable, lazy_mmu_mode_pause, lazy_mmu_mode_resume } from './lazy_mmu.ts';

/** vmap_pages_pte_range(): map `count` pages from `pa` at the ptes from `index`. */
export const vmap_pages_pte_range = kfunc(
  'vmap_pages_pte_range',
  'mm/vmalloc.c',
  [
    local('lazy_mmu_mode_enable()', (k) => k.call(lazy_mmu_mode_enable)),
    local(
      'set_pte_at(&init_mm, addr, pte, mk_pte(page, prot))',
      (k) => k.call(__set_pte, writeArgs({ table: k.num('table'), index: k.num('index'), level: 3, value: new Desc({ type: 'page', out: k.num('pa') }) })),
      { name: 'loop' },
    ),
    nextPte(),
    local('lazy_mmu_mode_disable()', (k) => k.call(lazy_mmu_mode_disable)),
  ],
  { inline: true },
);

/** vmap(): map pages into the vmalloc area (vmap -> vmap_pages_range -> ... -> vmap_pages_pte_range). */
export const vmap = kfunc('vmap', 'mm/vmalloc.c', [
  local('might_sleep()', (k) => preemptionPoint(k, 'cond_resched')),
  local('vmap_pages_range(addr, addr + size, prot, pages) -> vmap_pages_pte_range()', (k) =>
    k.call(vmap_pages_pte_range, { table: k.num('table'), index: k.num('index'), count: k.num('count'), pa: k.num('pa') }),
  ),
]);

/**
 * A pte callback of apply_to_page_range() that installs a mapping and then uses it at once.
 * Illustrative of any code that touches, inside a lazy MMU section, a kernel VA it just made
 * valid; the remedy (pauseAroundEarlyAccess) pauses lazy MMU around the store.
 */
export const populate_and_touch_pte = kfunc('populate_and_touch_pte', 'mm/memory.c (apply_to_page_range callback)', [
  local('lazy_mmu_mode_pause()', (k) => (k.knobs.pauseAroundEarlyAccess ? k.call(lazy_mmu_mode_pause) : k.next())),
  local('set_pte_at(&init_mm, addr, ptep, pfn_pte(pfn, PAGE_KERNEL))', (k) =>
    k.call(__set_pte, writeArgs({ table: k.num('table'), index: k.num('index'), level: 3, value: new Desc({ type: 'page', out: k.num('pa') }) })),
  ),
  local('lazy_mmu_mode_resume()', (k) => (k.knobs.pauseAroundEarlyAccess ? k.call(lazy_mmu_mode_resume) : k.next())),
  local('memset((void *)addr, 0, PAGE_SIZE)', (k) =>
    k.call(kernel_write, { va: entryVa(k, k.num('table'), k.num('index'), 3), what: 'the page just mapped' }),
  ),
]);

/**
 * A callback of apply_to_page_range() with a lazy section of its own (nesting), like the
 * KASAN vmalloc shadow population. Before lazy_mmu_state counters (v5), the inner leave ended
 * the batch and restored the single saved POR slot.
 */
export const kasan_populate_vmalloc_pte = kfunc('kasan_populate_vmalloc_pte', 'mm/kasan/shadow.c', [
  local('lazy_mmu_mode_enable()', (k) => k.call(lazy_mmu_mode_enable)),
  local('set_pte_at(&init_mm, addr, ptep, pte)', (k) =>
    k.call(__set_pte, writeArgs({ table: k.num('table'), index: k.num('index'), level: 3, value: new Desc({ type: 'page', out: k.num('pa') }) })),
  ),
  local('lazy_mmu_mode_disable()', (k) => k.call(lazy_mmu_mode_disable)),
]);

/** apply_to_pte_range(): a lazy MMU section calling `fn` (a kernel function name) on each of `count` ptes. */
export const apply_to_pte_range = kfunc(
  'apply_to_pte_range',
  'mm/memory.c',
  [
    local('lazy_mmu_mode_enable()', (k) => k.call(lazy_mmu_mode_enable)),
    local('err = fn(pte, addr, data)', (k) => k.call(fnNamed(String(k.local('fn'))), { table: k.num('table'), index: k.num('index'), pa: k.num('pa') }), {
      name: 'loop',
    }),
    nextPte(),
    local('lazy_mmu_mode_disable()', (k) => k.call(lazy_mmu_mode_disable)),
  ],
  { inline: true },
);

/** apply_to_existing_page_range(&init_mm, addr, size, fn, data) down to the pte level. */
export const apply_to_existing_page_range = kfunc('apply_to_existing_page_range', 'mm/memory.c', [
  local('__apply_to_page_range(mm, addr, size, fn, data, false) -> apply_to_pte_range()', (k) =>
    k.call(apply_to_pte_range, { table: k.num('table'), index: k.num('index'), count: k.num('count'), pa: k.num('pa'), fn: String(k.local('fn')) }),
  ),
]);
