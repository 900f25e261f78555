/**
 * Hibernation's copy of memory into the image (kernel/power/snapshot.c) and the arm64 code
 * around it (arch/arm64/kernel/hibernate.c, arch/arm64/mm/mmu.c), for seed 001: kernel data/bss
 * unmapped from the linear map.
 *
 *   copy_data_pages():  for each pfn: if (saveable_page(zone, pfn)) copy_data_page(.., pfn)
 *   saveable_page():    if (PageReserved(page) && (!kernel_page_present(page) || pfn_is_nosave(pfn)))
 *                               return NULL;
 *   safe_copy_page():   if (kernel_page_present(s_page)) do_copy_page(dst, page_address(s_page));
 *                       else { hibernate_map_page(s_page); do_copy_page(..); hibernate_unmap_page(s_page); }
 *
 * The kernel image is PageReserved (memblock_reserve() in arm64_memblock_init()), so
 * saveable_page() leaves a data/bss page whose linear alias is not present out of the image
 * before safe_copy_page() is reached: safe_copy_page()'s map/copy/unmap only serves pages
 * that are not reserved (a page some owner removed from the direct map). That is why Ard
 * Biesheuvel's v4 13/15 maps the whole region around the snapshot (hibernateDataBss
 * 'toggle-valid'); where exactly it does so is not in the seed *(inferred: around swsusp_save()
 * in swsusp_arch_suspend(), and the boot-time unmap in mark_rodata_ro())*.
 *
 * Locals carried down from the scenario: `data_start` (first data/bss page), `data_pages`,
 * `snap_start`/`snap_end` (the pfns the snapshot visits), `reserved_start`/`reserved_end`
 * (PG_reserved pfns among them).
 *
 * Abstractions: one pass over the pfns (the marking pass of copy_data_pages() and
 * count_data_pages() call saveable_page() the same way); do_copy_page()'s stores to the
 * image page (an ordinary mapped page) are not modelled, only its loads from the source;
 * pfn_is_nosave() is false for the visited pfns; the other CPUs are offline
 * (freeze_secondary_cpus()), so one CPU runs everything.
 */
import { linearAlias } from '../hardware/geometry.ts';
import { event, kfunc, local, type K } from './exec.ts';
import { kernelAccess } from './hw.ts';
import { kernel_page_present, set_direct_map_default_noflush, set_direct_map_invalid_noflush } from './direct_map.ts';
import { flush_tlb_kernel_range, set_memory_valid } from './pageattr.ts';

/** Appends `pfn` to a space-separated list in flags (the image's pages, the pages left out). */
function note(k: K, flag: string, pfn: number): K {
  const old = k.s.flags.get(flag);
  return k.update((s) => s.setIn(['flags', flag], old === undefined ? String(pfn) : `${String(old)} ${pfn}`));
}

const pageName = (k: K, pfn: number) => k.env.layout.pageNames.get(pfn) ?? `page ${pfn}`;

/** do_copy_page(dst, src): the loads from the source page, through its linear alias. */
export const do_copy_page = kfunc(
  'do_copy_page',
  'kernel/power/snapshot.c',
  [
    event('for (n = PAGE_SIZE / sizeof(long); n; n--) *dst++ = *src++', (k) => {
      const pfn = k.num('page');
      return kernelAccess(k, linearAlias(k.env.geometry, pfn), 'read', { what: pageName(k, pfn) }).map((o) => ({
        label: o.label,
        k: o.k.s.oops ? o.k.ret() : note(o.k, 'hibernate_image', pfn).ret(),
      }));
    }),
  ],
  { inline: true },
);

/** hibernate_map_page(): CONFIG_ARCH_HAS_SET_DIRECT_MAP. */
export const hibernate_map_page = kfunc(
  'hibernate_map_page',
  'kernel/power/snapshot.c',
  [
    local('int ret = set_direct_map_default_noflush(page)', (k) => k.call(set_direct_map_default_noflush, { page: k.num('page') })),
    local('if (ret) pr_warn_once("Failed to remap page\\n")', (k) => {
      const [err, kk] = k.takeRet();
      return err ? kk.update((s) => s.setIn(['flags', 'pr_warn'], 'Failed to remap page')).ret() : kk.ret();
    }),
  ],
  { inline: true },
);

/** hibernate_unmap_page(): invalidate the alias again and flush it. */
export const hibernate_unmap_page = kfunc(
  'hibernate_unmap_page',
  'kernel/power/snapshot.c',
  [
    local('int ret = set_direct_map_invalid_noflush(page)', (k) => k.call(set_direct_map_invalid_noflush, { page: k.num('page') })),
    local('flush_tlb_kernel_range(addr, addr + PAGE_SIZE)', (k) => {
      const [err, kk] = k.takeRet();
      const addr = linearAlias(kk.env.geometry, kk.num('page'));
      const k2 = err ? kk.update((s) => s.setIn(['flags', 'pr_warn'], 'Failed to remap page')) : kk;
      return k2.call(flush_tlb_kernel_range, { start: addr, end: addr + 1 });
    }),
  ],
  { inline: true },
);

/** safe_copy_page(dst, s_page). Local `page`. */
export const safe_copy_page = kfunc('safe_copy_page', 'kernel/power/snapshot.c', [
  local('if (kernel_page_present(s_page))', (k) => k.call(kernel_page_present, { page: k.num('page') })),
  local('zeros_only = do_copy_page(dst, page_address(s_page))', (k) => {
    const [present, kk] = k.takeRet();
    return present ? kk.call(do_copy_page, { page: kk.num('page') }) : kk.goto('map');
  }),
  local('return zeros_only', (k) => k.ret()),
  local('hibernate_map_page(s_page)', (k) => k.call(hibernate_map_page, { page: k.num('page') }), { name: 'map' }),
  local('zeros_only = do_copy_page(dst, page_address(s_page))', (k) => k.call(do_copy_page, { page: k.num('page') })),
  local('hibernate_unmap_page(s_page)', (k) => k.call(hibernate_unmap_page, { page: k.num('page') })),
]);

/** saveable_page(zone, pfn): returns whether the page goes into the image. */
export const saveable_page = kfunc('saveable_page', 'kernel/power/snapshot.c', [
  local('if (PageReserved(page) && (!kernel_page_present(page) || pfn_is_nosave(pfn))) return NULL', (k) => {
    const pfn = k.num('pfn');
    const reserved = pfn >= k.num('reserved_start') && pfn < k.num('reserved_end');
    return reserved ? k.call(kernel_page_present, { page: pfn }) : k.ret(true);
  }),
  local('return page', (k) => {
    const [present, kk] = k.takeRet();
    return kk.ret(present === true);
  }),
]);

/** copy_data_pages(copy_bm, orig_bm) over [snap_start, snap_end). */
export const copy_data_pages = kfunc('copy_data_pages', 'kernel/power/snapshot.c', [
  local(
    'if (page_is_saveable(zone, pfn)) memory_bm_set_bit(orig_bm, pfn)',
    (k) => {
      const pfn = k.num('pfn');
      if (pfn >= k.num('snap_end')) return k.ret();
      return k.call(saveable_page, { pfn, reserved_start: k.num('reserved_start'), reserved_end: k.num('reserved_end') });
    },
    { name: 'loop' },
  ),
  local('copy_data_page(memory_bm_next_pfn(copy_bm), pfn) -> safe_copy_page(page_address(pfn_to_page(dst_pfn)), s_page)', (k) => {
    const [saveable, kk] = k.takeRet();
    const pfn = kk.num('pfn');
    if (saveable) return kk.call(safe_copy_page, { page: pfn });
    return note(kk, 'hibernate_left_out', pfn).goto('next');
  }),
  local('pfn = memory_bm_next_pfn(orig_bm)', (k) => k.setLocal('pfn', k.num('pfn') + 1).goto('loop'), { name: 'next' }),
]);

/** swsusp_save(): the atomic copy. */
export const swsusp_save = kfunc('swsusp_save', 'kernel/power/snapshot.c', [
  local('copy_data_pages(&copy_bm, &orig_bm)', (k) =>
    k.call(copy_data_pages, {
      pfn: k.num('snap_start'),
      snap_end: k.num('snap_end'),
      reserved_start: k.num('reserved_start'),
      reserved_end: k.num('reserved_end'),
    }),
  ),
]);

const dataBss = (k: K, enable: boolean) => ({
  start: linearAlias(k.env.geometry, k.num('data_start')),
  numpages: k.num('data_pages'),
  enable,
});

/**
 * swsusp_arch_suspend(): after __cpu_suspend_enter(), `ret = swsusp_save()`. Under Ard's v4
 * 13/15 the data/bss alias is made valid around it *(inferred placement)*.
 */
export const swsusp_arch_suspend = kfunc('swsusp_arch_suspend', 'arch/arm64/kernel/hibernate.c', [
  local('set_memory_valid((unsigned long)lm_alias(__init_end), (_end - __init_end) >> PAGE_SHIFT, 1)', (k) =>
    k.knobs.hibernateDataBss === 'toggle-valid' ? k.call(set_memory_valid, dataBss(k, true)) : k.next(),
  ),
  local('ret = swsusp_save()', (k) => {
    const [err, kk] = k.takeRet();
    const k2 = typeof err === 'number' ? kk.update((s) => s.setIn(['flags', 'data_bss_map_ret'], err)) : kk;
    return k2.call(swsusp_save, {
      snap_start: k2.num('snap_start'),
      snap_end: k2.num('snap_end'),
      reserved_start: k2.num('reserved_start'),
      reserved_end: k2.num('reserved_end'),
    });
  }),
  local('set_memory_valid((unsigned long)lm_alias(__init_end), (_end - __init_end) >> PAGE_SHIFT, 0)', (k) =>
    k.knobs.hibernateDataBss === 'toggle-valid' ? k.call(set_memory_valid, dataBss(k, false)) : k.next(),
  ),
]);

/**
 * mark_rodata_ro(): with Ard's v4 13/15 the data/bss alias, mapped at boot by map_mem() "so it
 * can be remapped later", is unmapped by clearing its valid bit *(inferred call site)*.
 */
export const mark_rodata_ro = kfunc('mark_rodata_ro', 'arch/arm64/mm/mmu.c', [
  local('set_memory_valid((unsigned long)lm_alias(__init_end), (_end - __init_end) >> PAGE_SHIFT, 0)', (k) =>
    k.knobs.dataBssAlias === 'unmapped' ? k.call(set_memory_valid, dataBss(k, false)) : k.next(),
  ),
  local('(return value not checked)', (k) => {
    const [err, kk] = k.takeRet();
    return (typeof err === 'number' ? kk.update((s) => s.setIn(['flags', 'data_bss_unmap_ret'], err)) : kk).ret();
  }),
]);
