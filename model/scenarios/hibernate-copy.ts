/**
 * Seed 001 (unmap-data-bss-from-linear-map, see docs/background.md), hibernation. Ard Biesheuvel's
 * v4 13/15 maps kernel data/bss at boot, clears its valid bit, and toggles it back around the
 * hibernation snapshot; it maps data/bss with NO_BLOCK_MAPPINGS because "set_memory_valid()
 * only works on regions that are mapped down to pages". Kevin Brodsky asks whether
 * safe_copy_page() already handles an unmapped alias, and notes that since commit a166563e7ec37
 * (pagewalk-based pageattr, "support large block mapping when rodata=full") whole blocks can be
 * changed.
 *
 * One CPU (the others are offline during the snapshot), one task (pid 1): at boot,
 * mark_rodata_ro() unmaps the data/bss alias; later hibernation runs swsusp_arch_suspend(),
 * which (under 'toggle-valid') maps data/bss, runs swsusp_save() and unmaps it again. The
 * snapshot visits two pfns: a page some owner removed from the direct map
 * (set_direct_map_invalid_noflush(), not PageReserved: safe_copy_page() maps, copies, unmaps it)
 * and the first data/bss page (PageReserved, like the whole kernel image).
 *
 * Layout (fanout 4, so a PMD block is 4 pages): data/bss is pages 4-7, one PMD block under
 * linearMap 'blocks', ptes otherwise; text/rodata's alias is read-only.
 *
 * Findings the designs show:
 * - 'data-bss-block' (pagewalk, invalid leaves with PTE_VALID cleared only, i.e. before Ryan
 *   Roberts' "arm64: mm: Handle invalid large leaf mappings correctly"): the boot-time unmap
 *   clears PTE_VALID of the block; the re-map before the snapshot silently does nothing (the
 *   block is not pmd_present(), pageattr_pmd_entry() tests pmd_sect(), and walk_pmd_range()
 *   skips it); then kernel_page_present(), from saveable_page(), takes the invalid block for a
 *   table and reads its first page as a pte table through the very alias it unmaps: an oops.
 * - 'data-bss-block-pte-only-pageattr': apply_to_page_range() WARNs on the PMD block and
 *   returns -EINVAL, so the boot-time unmap never happens: nothing faults, and the data/bss
 *   alias silently stays mapped read-write (flags.warn, flags.data_bss_unmap_ret = -22).
 * - 'hibernate-relies-on-safe-copy-page': saveable_page() drops PageReserved pages whose
 *   alias is not present before safe_copy_page() is reached: no rule is broken, but data/bss
 *   is left out of the image (flags.hibernate_left_out), the likely "things break
 *   mysteriously" of the thread. No rule of the catalogue states image completeness.
 *
 * - 'data-bss-block-present-invalid' (Ryan's encoding): the invalid block keeps
 *   PTE_PRESENT_INVALID, so pmd_leaf() still sees it, the re-map takes effect, and both pages
 *   are copied into the image: pass.
 */
import { mark_rodata_ro, swsusp_arch_suspend } from '../kernel/hibernate.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { call, idleTask, machine, program, runningTask } from './tasks.ts';

const passOn = (names: readonly string[]) => (k: { num(n: string): number }) => Object.fromEntries(names.map((n) => [n, k.num(n)]));

const bootThenHibernate = program('kernel_init_then_hibernate', 'init/main.c (kernel_init), kernel/power/hibernate.c (hibernate)', [
  call('kernel_init(): mark_readonly() -> mark_rodata_ro()', mark_rodata_ro, passOn(['data_start', 'data_pages'])),
  call(
    'hibernate(): hibernation_snapshot() -> create_image() -> swsusp_arch_suspend()',
    swsusp_arch_suspend,
    passOn(['data_start', 'data_pages', 'snap_start', 'snap_end', 'reserved_start', 'reserved_end']),
  ),
]);


export const hibernateCopy: Scenario = {
  name: 'hibernate-copy',
  summary: 'hibernation copies kernel data/bss and a direct-map-removed page whose linear aliases are unmapped (set_memory_valid toggles, safe_copy_page)',
  seed: 'unmap-data-bss-from-linear-map.txt',
  invariants: ['linear-alias-protected', 'no-access-before-pte-barriers', 'no-stale-tlb-after-permission-change', 'set-memory-return-means-done', 'hibernation-image-complete'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['idle'],
  expectations: {
    v6: {
      verdict: 'pass',
      why: 'data/bss is mapped down to ptes: set_memory_valid() toggles it around the snapshot and safe_copy_page() maps, copies and unmaps the other page',
    },
    'pte-only-pageattr': {
      verdict: 'pass',
      why: 'with data/bss mapped down to ptes, apply_to_page_range() makes the same changes as the pagewalk',
    },
    'data-bss-block-present-invalid': {
      verdict: 'pass',
      why: 'invalid blocks keep PTE_PRESENT_INVALID: pmd_leaf() sees them, set_memory_valid() re-maps the block, both pages reach the image',
    },
    'data-bss-block': {
      verdict: 'violation',
      property: 'set-memory-return-means-done',
      callTrace: ['set_memory_valid'],
      why: 'the re-map silently skips the invalid (not present) PMD block and returns 0 (next, kernel_page_present() would read the block\'s first page as a pte table through its unmapped alias: check linear-alias-protected alone)',
    },
    'data-bss-block-pte-only-pageattr': {
      verdict: 'pass',
      why: 'apply_to_page_range() WARNs on the PMD block and returns -EINVAL: data/bss is never unmapped, so nothing faults, but the hardening is silently lost',
    },
    'hibernate-relies-on-safe-copy-page': {
      verdict: 'violation',
      property: 'hibernation-image-complete',
      why: 'no access through an unmapped alias, but saveable_page() leaves the PageReserved data/bss page out of the image before safe_copy_page() could map it',
    },
  },
  build({ knobs, geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const text = boot.alloc('_stext (kernel text)');
    const rodata = boot.alloc('__start_rodata (kernel rodata)');
    const removed = boot.alloc('a page removed from the direct map');
    const perBlock = g.fanout; // pages per PMD block (pagesPerEntry(g, 2))
    const data = Array.from({ length: perBlock }, (_, i) => boot.alloc(i === 0 ? 'init_task (.data)' : `kernel .data/.bss page ${i}`));
    if (data[0] % perBlock !== 0) throw new Error('hibernate-copy: data/bss must start on a PMD block');
    boot.mapLinear({
      blocks: knobs.linearMap === 'blocks' ? (pa) => pa === data[0] : undefined,
      attrs: (pa) => {
        if (pa === text || pa === rodata || pa === boot.root) return { rdonly: true };
        if (pa === removed) return { valid: false };
        return {}; // data/bss: mapped at boot "so it can be remapped later" (PAGE_KERNEL)
      },
    });
    const booted = boot.finish({
      textPages: [boot.root, text, rodata],
      unmappedAliasPages: knobs.dataBssAlias === 'unmapped' ? [removed, ...data] : [removed],
    });
    const locals = {
      data_start: data[0],
      data_pages: data.length,
      snap_start: removed,
      snap_end: data[0] + 1,
      reserved_start: data[0],
      reserved_end: data[0] + data.length,
    };
    if (removed + 1 !== data[0]) throw new Error('hibernate-copy: the snapshot visits the removed page and the first data/bss page');
    return machine(booted, {
      running: [0],
      tasks: [runningTask('init', 1, 0, bootThenHibernate, locals), idleTask(0)],
    });
  },
};
