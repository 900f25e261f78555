/**
 * Design knobs (docs/background.md, "Design knobs") and the named designs built from them.
 *
 * A design is a complete set of knob values. Named designs start from `v6` (the kpkeys v6
 * series on a current kernel) and change what their name says. Users add designs with
 * `registerDesign` or override a knob from the command line with `--set knob=value`.
 */
import { UsageError } from '../checker/index.ts';
import type { KernelRule } from '../properties/index.ts';
import { BBM_LEVELS, type BbmLevel } from './hardware/mmu.ts';
import type { KFunction } from './kernel/exec.ts';

export interface Knobs {
  /** kpkeys v6 patch 7: save POR_EL1 in pt_regs and write POR_EL1_INIT on exception entry from EL1. */
  readonly porResetOnEntry: boolean;
  /** When the per-write kpkeys guard is skipped because a lazy MMU batch already raised POR_EL1. */
  readonly batchingGuard: 'none' | 'v4' | 'v5' | 'v6' | 'live-por';
  /** thread.por_el1_lazy_mmu: one slot, or one per nesting level. */
  readonly savedPorStorage: 'one-slot' | 'per-level';
  /** Nested lazy MMU sections: each enter/leave calls the arch hooks (v5), or counters (v6). */
  readonly lazyMmuNesting: 'first-leave-ends' | 'counters';
  /**
   * Lazy MMU in interrupt context: 'immediate' bails out and emits barriers at once (commit
   * b81c688426a9); 'batch' counts the interrupt's section on the interrupted task; 'queue-only'
   * skips the interrupt's section but queue_pte_barriers() still defers to the task's batch.
   */
  readonly lazyMmuInInterrupt: 'immediate' | 'batch' | 'queue-only';
  /** The in_interrupt() bail-out is in both enable and disable, or only in enable (a bug). */
  readonly lazyMmuBailout: 'enable-and-disable' | 'enable-only';
  /** Pause lazy MMU for the duration of finish_task_switch() (Kevin's suggestion in seed 000). */
  readonly pauseLazyMmuInFinishTaskSwitch: boolean;
  /** The counter update and the arch hook of enable/disable/pause/resume are one step (preemption off). */
  readonly atomicLazyModeSwitch: boolean;
  /** none: no preemption on IRQ exit; full: CONFIG_PREEMPT; rt: PREEMPT_RT (mmdrop_sched defers the free). */
  readonly preemption: 'none' | 'full' | 'rt';
  /**
   * The CPU's FEAT_BBM support (Arm ARM FEAT_BBM levels; model/hardware/mmu.ts): at 0, 1 and 2 a
   * TLB lookup that finds a live entry's old and new sizes may raise a TLB conflict abort;
   * '2-noabort' is what the kernel calls BBML2_NOABORT (has_bbml2_noabort(),
   * arch/arm64/kernel/cpufeature.c): no abort, so live blocks may be split in place.
   */
  readonly bbmLevel: BbmLevel;
  /**
   * How split_kernel_leaf_mapping() replaces a live block: 'bbml2' is the kernel (in place, and
   * only when bbmLevel is '2-noabort'); the others are designs that split on any CPU.
   */
  readonly blockSplit: 'bbml2' | 'stop-machine' | 'break-before-make' | 'in-place';
  /**
   * FEAT_ETS2: a translation walk is ordered after the CPU's earlier loads. Without it, a CPU
   * that saw another CPU's valid-making store (through a flag) may still take a translation
   * fault on the old entry: the spurious fault __do_kernel_fault() fixes up (hardware/memory.ts).
   */
  readonly ets2: boolean;
  /** __do_kernel_fault() ignores spurious translation faults (is_spurious_el1_translation_fault(), commit 42f91093b043). */
  readonly spuriousFaultCheck: boolean;
  /**
   * What the owner of a live CONT run changes in cont-pte-by-pte: only permissions
   * (set_memory_ro()), or also the output address, one pte at a time in place (a hypothetical
   * remap without break-before-make: the run is misprogrammed in between).
   */
  readonly contOutputChange: 'none' | 'pte-by-pte';
  /** split_kernel_leaf_mapping() returns early for KFENCE addresses. */
  readonly kfenceSplitEarlyReturn: boolean;
  /** Linear map granularity: PTE mappings only, or blocks where possible. */
  readonly linearMap: 'pte' | 'blocks';
  /** Which changes skip flush_tlb_kernel_range(). */
  readonly tlbiElision: 'invalid-to-valid' | 'also-rw-to-ro';
  /** pageattr_p[mu]d_entry(): WARN and -EINVAL on a partial block, or rewrite the whole block. */
  readonly partialBlockCheck: boolean;
  /** How pageattr_pte_entry() rewrites a pte: in place, or invalid first then the new value. */
  readonly contUpdate: 'in-place' | 'invalid-then-new';
  /** Two permission changes on one range: serialised by their callers, or concurrent. */
  readonly walkOwnership: 'exclusive' | 'shared';
  /** set_memory_valid() and friends: the pagewalk-based update_range_prot or the old PTE-only apply_to_page_range. */
  readonly pageattrWalker: 'pagewalk' | 'pte-only';
  /** Linear alias of kernel data/bss (seed 001). */
  readonly dataBssAlias: 'rw' | 'ro' | 'unmapped';
  /**
   * Where the zero page lives: with rodata (Ard Biesheuvel's series: "There is the zero page now,
   * which may be accessed via page_address(ZERO_PAGE(0))" is why text/rodata cannot be unmapped
   * too), in .bss (upstream's __page_aligned_bss empty_zero_page), or beside fixmap_pgdir
   * (Kevin Brodsky's proposal).
   */
  readonly zeroPage: 'rodata' | 'data-bss' | 'beside-fixmap';
  /**
   * Where the fixmap's page tables live: a fixmap_pgdir area outside data/bss (inferred from
   * Kevin Brodsky's "move it alongside fixmap_pgdir" in seed 001, which only keeps the zero page
   * mapped if fixmap_pgdir is not in data/bss), or upstream's `__page_aligned_bss` bm_pud, bm_pmd
   * and bm_pte (arch/arm64/mm/fixmap.c), which are unmapped with data/bss.
   */
  readonly fixmapTables: 'fixmap-pgdir' | 'bss';
  /**
   * rodata_full (arch/arm64/mm/pageattr.c): change_memory_common() also applies a vmalloc
   * area's permission change to the linear alias of each of its pages (set_area_direct_map()).
   */
  readonly rodataFull: boolean;
  /** A preempted task may be pulled to another CPU its affinity allows (load balancing). */
  readonly taskMigration: boolean;
  /**
   * arch_leave_lazy_mmu_mode() with kpkeys batching: restore POR_EL1 then emit the barriers
   * (the posted v5 18/18 and v6 28/30: the restore skips its ISB when emit_pte_barriers() follows),
   * or emit the barriers then restore POR_EL1.
   */
  readonly lazyMmuLeaveOrder: 'restore-then-barriers' | 'barriers-then-restore';
  /**
   * lazy_mmu_mode_enable()/disable(): the store to enable_count before the arch hook (the source
   * order) or after it (a compiler may sink the plain store past the hook's MSR POR_EL1).
   */
  readonly lazyMmuCounterOrder: 'count-then-hook' | 'hook-then-count';
  /** How a page-table dump reaches swapper_pg_dir. */
  readonly ptdumpVia: 'linear-alias' | 'kernel-mapping';
  /**
   * Linear alias of kernel text/rodata (swapper_pg_dir included: it sits after .rodata, before
   * __init_begin): read-only (rodata=full), left writable, or unmapped like data/bss (Kevin
   * Brodsky's question in seed 001).
   */
  readonly textRodataAlias: 'ro' | 'rw' | 'unmapped';
  /**
   * How set_memory_valid(.., 0) encodes an invalid kernel leaf: PTE_VALID cleared only (a
   * block is then not pmd_present(), so pmd_leaf() is false), or PTE_PRESENT_INVALID set as
   * well (Ryan Roberts, "arm64: mm: Handle invalid large leaf mappings correctly", 2026), which
   * pageattr_p[mu]d_entry() and kernel_page_present() recognise with p[mu]d_leaf().
   */
  readonly invalidLeafEncoding: 'clear-valid' | 'present-invalid';
  /**
   * How hibernation reaches kernel data/bss whose linear alias is unmapped: the arch code makes
   * the whole region valid around swsusp_save() (Ard Biesheuvel's v4 13/15), or it relies on
   * safe_copy_page() (Kevin's question).
   */
  readonly hibernateDataBss: 'toggle-valid' | 'safe-copy-page';
  /** kpkeys_pgtable_free() resets the freed page's pkey to DEFAULT. */
  readonly pgtableFreeResetsPkey: boolean;
  /**
   * Where split_pgtable_alloc() gets a page-table page from under kpkeys_hardened_pgtables
   * (pagetable_alloc() -> kpkeys_pgtable_alloc()): the pkeys block allocator's reserve of pages
   * already tagged KPKEYS_PKEY_PGTABLES (`pba-reserve`: kpkeys v6 patch 15, "Handle splitting of
   * linear map", __GFP_PGTABLE_SPLIT), or the minimal allocator that tags the new page itself with
   * set_memory_pkey() (`noblock`: noblock_pgtable_alloc(), which "relies on the linear map being
   * fully PTE-mapped"), called here from inside the split.
   */
  readonly splitPgtableAlloc: 'pba-reserve' | 'noblock';
  /** kernel_exit restores POR_EL1 from pt_regs (only meaningful with porResetOnEntry). */
  readonly porRestoreOnReturn: boolean;
  /** Code that touches a mapping it creates inside a lazy section pauses lazy MMU around the store. */
  readonly pauseAroundEarlyAccess: boolean;
}

export interface Design {
  readonly name: string;
  readonly description: string;
  readonly knobs: Knobs;
  /** The named design it starts from (design files). */
  readonly base?: string;
  /** The file it was loaded from (design files). */
  readonly file?: string;
  /** Kernel functions this design replaces or wraps, by name (model/design-file.ts). */
  readonly functions?: ReadonlyMap<string, KFunction>;
  /** Invariants of the design's own, checked in every scenario run under it. */
  readonly invariants?: readonly KernelRule[];
}

export const V6_KNOBS: Knobs = {
  porResetOnEntry: true,
  batchingGuard: 'v6',
  savedPorStorage: 'one-slot',
  lazyMmuNesting: 'counters',
  lazyMmuInInterrupt: 'immediate',
  lazyMmuBailout: 'enable-and-disable',
  pauseLazyMmuInFinishTaskSwitch: false,
  atomicLazyModeSwitch: false,
  preemption: 'full',
  bbmLevel: '0',
  blockSplit: 'bbml2',
  ets2: true,
  spuriousFaultCheck: true,
  contOutputChange: 'none',
  kfenceSplitEarlyReturn: true,
  linearMap: 'pte',
  tlbiElision: 'invalid-to-valid',
  partialBlockCheck: true,
  contUpdate: 'in-place',
  walkOwnership: 'exclusive',
  pageattrWalker: 'pagewalk',
  dataBssAlias: 'unmapped',
  zeroPage: 'rodata',
  fixmapTables: 'fixmap-pgdir',
  rodataFull: true,
  taskMigration: true,
  lazyMmuLeaveOrder: 'restore-then-barriers',
  lazyMmuCounterOrder: 'count-then-hook',
  ptdumpVia: 'kernel-mapping',
  textRodataAlias: 'ro',
  invalidLeafEncoding: 'clear-valid',
  hibernateDataBss: 'toggle-valid',
  pgtableFreeResetsPkey: true,
  splitPgtableAlloc: 'pba-reserve',
  porRestoreOnReturn: true,
  pauseAroundEarlyAccess: false,
};

/** How each knob is spelled on the command line, and its values. */
export const KNOB_SPECS: Readonly<Record<keyof Knobs, { readonly flag: string; readonly values: readonly (string | boolean)[] }>> = {
  porResetOnEntry: { flag: 'por-reset-on-entry', values: [true, false] },
  batchingGuard: { flag: 'batching-guard', values: ['none', 'v4', 'v5', 'v6', 'live-por'] },
  savedPorStorage: { flag: 'saved-por-storage', values: ['one-slot', 'per-level'] },
  lazyMmuNesting: { flag: 'lazy-mmu-nesting', values: ['first-leave-ends', 'counters'] },
  lazyMmuInInterrupt: { flag: 'lazy-mmu-in-interrupt', values: ['immediate', 'batch', 'queue-only'] },
  lazyMmuBailout: { flag: 'lazy-mmu-bailout', values: ['enable-and-disable', 'enable-only'] },
  pauseLazyMmuInFinishTaskSwitch: { flag: 'pause-lazy-mmu-in-finish-task-switch', values: [true, false] },
  atomicLazyModeSwitch: { flag: 'atomic-lazy-mode-switch', values: [true, false] },
  preemption: { flag: 'preemption', values: ['none', 'full', 'rt'] },
  bbmLevel: { flag: 'bbm-level', values: BBM_LEVELS },
  blockSplit: { flag: 'block-split', values: ['bbml2', 'stop-machine', 'break-before-make', 'in-place'] },
  ets2: { flag: 'ets2', values: [true, false] },
  spuriousFaultCheck: { flag: 'spurious-fault-check', values: [true, false] },
  contOutputChange: { flag: 'cont-output-change', values: ['none', 'pte-by-pte'] },
  kfenceSplitEarlyReturn: { flag: 'kfence-split-early-return', values: [true, false] },
  linearMap: { flag: 'linear-map', values: ['pte', 'blocks'] },
  tlbiElision: { flag: 'tlbi-elision', values: ['invalid-to-valid', 'also-rw-to-ro'] },
  partialBlockCheck: { flag: 'partial-block-check', values: [true, false] },
  contUpdate: { flag: 'cont-update', values: ['in-place', 'invalid-then-new'] },
  walkOwnership: { flag: 'walk-ownership', values: ['exclusive', 'shared'] },
  pageattrWalker: { flag: 'pageattr-walker', values: ['pagewalk', 'pte-only'] },
  dataBssAlias: { flag: 'data-bss-alias', values: ['rw', 'ro', 'unmapped'] },
  zeroPage: { flag: 'zero-page', values: ['rodata', 'data-bss', 'beside-fixmap'] },
  fixmapTables: { flag: 'fixmap-tables', values: ['fixmap-pgdir', 'bss'] },
  rodataFull: { flag: 'rodata-full', values: [true, false] },
  taskMigration: { flag: 'task-migration', values: [true, false] },
  lazyMmuLeaveOrder: { flag: 'lazy-mmu-leave-order', values: ['restore-then-barriers', 'barriers-then-restore'] },
  lazyMmuCounterOrder: { flag: 'lazy-mmu-counter-order', values: ['count-then-hook', 'hook-then-count'] },
  ptdumpVia: { flag: 'ptdump-via', values: ['linear-alias', 'kernel-mapping'] },
  textRodataAlias: { flag: 'text-rodata-alias', values: ['ro', 'rw', 'unmapped'] },
  invalidLeafEncoding: { flag: 'invalid-leaf-encoding', values: ['clear-valid', 'present-invalid'] },
  hibernateDataBss: { flag: 'hibernate-data-bss', values: ['toggle-valid', 'safe-copy-page'] },
  pgtableFreeResetsPkey: { flag: 'pgtable-free-resets-pkey', values: [true, false] },
  splitPgtableAlloc: { flag: 'split-pgtable-alloc', values: ['pba-reserve', 'noblock'] },
  porRestoreOnReturn: { flag: 'por-restore-on-return', values: [true, false] },
  pauseAroundEarlyAccess: { flag: 'pause-around-early-access', values: [true, false] },
};

const designs = new Map<string, Design>();

export function registerDesign(name: string, description: string, changes: Partial<Knobs>, base: Knobs = V6_KNOBS): Design {
  if (designs.has(name)) throw new Error(`design ${name} is already registered`);
  const d: Design = { name, description, knobs: { ...base, ...changes } };
  designs.set(name, d);
  return d;
}

// The kpkeys series and the remedies discussed for seed 000.
registerDesign('v6', 'kpkeys RFC v6: POR_EL1 reset on EL1 entry, batching via lazy MMU, guard skipped while is_lazy_mmu_mode_active()', {});
registerDesign('v5', 'v6 with the v5 guard: skip while TIF_LAZY_MMU && !in_interrupt()', { batchingGuard: 'v5' });
registerDesign('v4', 'v6 with the v4 guard: skip while TIF_LAZY_MMU (no in_interrupt() test)', { batchingGuard: 'v4' });
registerDesign('v6-no-por-reset', 'v6 without patch 7: POR_EL1 is left alone on exception entry (planned for RFC v7)', { porResetOnEntry: false });
registerDesign('v6-atomic-lazy-switch', 'v6 with enable_count++/arch_enter (and --/arch_leave) as one step, as if preemption were disabled', {
  atomicLazyModeSwitch: true,
});
registerDesign('v6-no-por-reset-atomic-lazy-switch', 'v6 without the POR reset and with the atomic lazy mode switch', {
  porResetOnEntry: false,
  atomicLazyModeSwitch: true,
});
registerDesign('v6-pause-lazy-mmu-in-finish-task-switch', 'v6 with lazy_mmu_mode_pause()/resume() around finish_task_switch()', {
  pauseLazyMmuInFinishTaskSwitch: true,
});
registerDesign('v6-guard-checks-live-por', 'v6 whose write guard tests the live POR_EL1 instead of the lazy MMU state', { batchingGuard: 'live-por' });
registerDesign('no-batching', 'kpkeys without batching: every page-table write raises and restores POR_EL1', { batchingGuard: 'none' });

// Seed 000 family: lazy MMU batching and kpkeys.
registerDesign('v6-no-por-reset-guard-checks-live-por', 'v6 without the POR reset, whose write guard tests the live POR_EL1', {
  porResetOnEntry: false,
  batchingGuard: 'live-por',
});
registerDesign('v5-nesting', 'the v5 lazy MMU: every enter/leave calls the arch hooks, one saved-POR slot, TIF_LAZY_MMU guard', {
  lazyMmuNesting: 'first-leave-ends',
  batchingGuard: 'v5',
});
registerDesign('v5-nesting-per-level-slot', 'the v5 lazy MMU with one saved POR_EL1 per nesting level', {
  lazyMmuNesting: 'first-leave-ends',
  batchingGuard: 'v5',
  savedPorStorage: 'per-level',
});
registerDesign('v6-pause-around-early-access', 'v6, and code that uses a mapping it creates inside a lazy section pauses lazy MMU around the store', {
  pauseAroundEarlyAccess: true,
});
registerDesign('lazy-mmu-disable-without-bailout', 'v6 whose lazy_mmu_mode_disable() lacks the in_interrupt() bail-out of lazy_mmu_mode_enable()', {
  lazyMmuBailout: 'enable-only',
});
registerDesign('pgtable-free-keeps-pkey', 'v6 whose kpkeys_pgtable_free() does not give the page back pkey DEFAULT', { pgtableFreeResetsPkey: false });
registerDesign('v6-barriers-then-restore', 'v6 whose arch_leave_lazy_mmu_mode() emits the barriers before restoring POR_EL1', {
  lazyMmuLeaveOrder: 'barriers-then-restore',
});
registerDesign('v6-hook-then-count', 'v6 with the enable_count store sunk after the arch hook in lazy_mmu_mode_enable()/disable()', {
  lazyMmuCounterOrder: 'hook-then-count',
});
registerDesign('v6-no-por-reset-hook-then-count', 'v6-no-por-reset with the enable_count store after the arch hook', {
  porResetOnEntry: false,
  lazyMmuCounterOrder: 'hook-then-count',
});
registerDesign('v6-no-por-restore-on-return', 'v6 whose kernel_exit does not restore POR_EL1 from pt_regs', { porRestoreOnReturn: false });

// Seed 002: permission changes of kernel mappings (pageattr.c).
registerDesign('tlbi-elision-rw-to-ro', 'v6 whose __change_memory_common() also skips the TLBI for RW -> RO', { tlbiElision: 'also-rw-to-ro' });
registerDesign('linear-map-blocks', 'v6 on a linear map with PMD blocks and no BBML2: nothing splits, pageattr_pmd_entry() WARNs on a partial block', {
  linearMap: 'blocks',
});
registerDesign('walker-without-overlap-check', 'linear-map-blocks whose pageattr_p[mu]d_entry() rewrites a partially covered block instead of WARN and -EINVAL', {
  linearMap: 'blocks',
  partialBlockCheck: false,
});
registerDesign('cont-invalid-then-new', 'v6 whose pageattr_pte_entry() writes each pte invalid first, then the new value, with no TLBI in between', {
  contUpdate: 'invalid-then-new',
});
registerDesign('concurrent-walks-shared-range', 'v6 whose callers of set_memory_*() do not own their range: two walks of one range run concurrently', {
  walkOwnership: 'shared',
});
registerDesign('split-bbml2', 'v6 on a BBML2_NOABORT system with a block-mapped linear map: split_kernel_leaf_mapping() splits live blocks in place', {
  linearMap: 'blocks',
  bbmLevel: '2-noabort',
});
registerDesign(
  'split-noblock-pgtable-alloc',
  "split-bbml2 whose page-table pages come from kpkeys' minimal allocator: split_pgtable_alloc() -> kpkeys_pgtable_alloc() tags the new page with set_memory_pkey() from inside the split",
  { linearMap: 'blocks', bbmLevel: '2-noabort', splitPgtableAlloc: 'noblock' },
);
registerDesign('split-without-kfence-early-return', 'split-bbml2 without the is_kfence_address() early return of split_kernel_leaf_mapping()', {
  linearMap: 'blocks',
  bbmLevel: '2-noabort',
  kfenceSplitEarlyReturn: false,
});
registerDesign('pte-linear-map-without-kfence-early-return', 'BBML2 system, no KFENCE early return, but the linear map forced to ptes (force_pte_mapping())', {
  bbmLevel: '2-noabort',
  kfenceSplitEarlyReturn: false,
});
registerDesign('split-in-place-without-bbml2', 'block-mapped linear map, FEAT_BBM level 0, and split_kernel_leaf_mapping() replaces the live block with a table anyway', {
  linearMap: 'blocks',
  blockSplit: 'in-place',
});
registerDesign('split-break-before-make', 'block-mapped linear map, no BBML2: the split invalidates the live block, flushes the TLB, then installs the table', {
  linearMap: 'blocks',
  blockSplit: 'break-before-make',
});
registerDesign('split-stop-machine', 'block-mapped linear map, no BBML2: break-before-make with every other CPU parked in stop_machine()', {
  linearMap: 'blocks',
  blockSplit: 'stop-machine',
});
registerDesign('cont-remap-pte-by-pte', 'v6, and the owner of a live CONT run moves it to other physical pages by rewriting its ptes one at a time, without break-before-make', {
  contOutputChange: 'pte-by-pte',
});
registerDesign('no-ets2', 'v6 on a CPU without FEAT_ETS2: a walk may miss a valid-making store the CPU has already seen through a flag', {
  ets2: false,
});
registerDesign('no-ets2-without-spurious-fault-check', 'no-ets2 with a __do_kernel_fault() that does not check for spurious translation faults (before commit 42f91093b043)', {
  ets2: false,
  spuriousFaultCheck: false,
});
registerDesign('lazy-mmu-batches-in-interrupt', 'kpkeys without batching, and lazy MMU without the in_interrupt() bail-out (batching in interrupt context, as before commit b81c688426a9)', {
  batchingGuard: 'none',
  lazyMmuInInterrupt: 'batch',
});
registerDesign('lazy-mmu-queues-in-interrupt', 'kpkeys without batching; lazy MMU sections bail out in interrupt context but queue_pte_barriers() still defers to the interrupted task (before commit b81c688426a9)', {
  batchingGuard: 'none',
  lazyMmuInInterrupt: 'queue-only',
});
registerDesign('v6-lazy-mmu-batches-in-interrupt', 'v6 with lazy MMU not disabled in interrupt context: the softirq batches into the interrupted task', {
  lazyMmuInInterrupt: 'batch',
});

// Seed 001: the linear alias of the kernel image.
// v6 already carries Ard Biesheuvel's v4 13/15 (data/bss unmapped from the linear map) with
// both remedies of the thread: the zero page beside fixmap_pgdir, the dump through init_mm.pgd.
registerDesign('unmap-data-bss', 'data/bss unmapped from the linear map as posted: the zero page with rodata, the page-table dump through linear aliases', {
  ptdumpVia: 'linear-alias',
});
registerDesign('unmap-data-bss-zero-page-in-bss', "unmap-data-bss with upstream's empty_zero_page in .bss (__page_aligned_bss)", {
  zeroPage: 'data-bss',
  ptdumpVia: 'linear-alias',
});
registerDesign('unmap-data-bss-fixmap-tables-in-bss', "unmap-data-bss with upstream's fixmap tables (bm_pud, bm_pmd, bm_pte) in .bss", {
  fixmapTables: 'bss',
});
registerDesign('unmap-data-bss-zero-page-beside-fixmap', 'unmap-data-bss with the zero page moved beside fixmap_pgdir (its linear alias stays mapped read-only)', {
  zeroPage: 'beside-fixmap',
  ptdumpVia: 'linear-alias',
});
registerDesign('unmap-kernel-image-alias', 'text/rodata unmapped from the linear map too, the zero page beside fixmap_pgdir, the dump reaching swapper_pg_dir through its linear alias', {
  textRodataAlias: 'unmapped',
  zeroPage: 'beside-fixmap',
  ptdumpVia: 'linear-alias',
});
registerDesign('unmap-kernel-image-alias-zero-page-in-rodata', 'text/rodata and data/bss unmapped with the zero page left with rodata (Ard\'s objection)', {
  textRodataAlias: 'unmapped',
});
registerDesign('unmap-kernel-image-alias-fixed', 'text/rodata and data/bss unmapped, the zero page beside fixmap_pgdir, the dump reading swapper_pg_dir through init_mm.pgd', {
  textRodataAlias: 'unmapped',
  zeroPage: 'beside-fixmap',
});
registerDesign('data-bss-ro', 'data/bss mapped read-only in the linear map (v4 before 13/15): the zero page in .bss, the dump through linear aliases', {
  dataBssAlias: 'ro',
  zeroPage: 'data-bss',
  ptdumpVia: 'linear-alias',
});
registerDesign('rodata-alias-writable', 'v6 whose linear alias of text/rodata is left writable (as without rodata=full)', { textRodataAlias: 'rw' });
registerDesign('pte-only-pageattr', 'v6 with the pre-seed-002 set_memory_*(): apply_to_page_range(), which handles ptes only', { pageattrWalker: 'pte-only' });
registerDesign('data-bss-block', 'data/bss block-mapped in the linear map (no NO_BLOCK_MAPPINGS), pagewalk-based pageattr, invalid leaves with PTE_VALID cleared only', {
  linearMap: 'blocks',
});
registerDesign('data-bss-block-present-invalid', 'data-bss-block with invalid leaves encoded PTE_PRESENT_INVALID, so that p[mu]d_leaf() still sees them', {
  linearMap: 'blocks',
  invalidLeafEncoding: 'present-invalid',
});
registerDesign('data-bss-block-pte-only-pageattr', 'data/bss block-mapped in the linear map with the pte-only apply_to_page_range() pageattr', {
  linearMap: 'blocks',
  pageattrWalker: 'pte-only',
});
registerDesign('hibernate-relies-on-safe-copy-page', 'v6 whose hibernation does not map data/bss around the snapshot, relying on safe_copy_page()', {
  hibernateDataBss: 'safe-copy-page',
});

export function designNames(): string[] {
  return [...designs.keys()];
}

export function allDesigns(): Design[] {
  return [...designs.values()];
}

/** A `--design` value that names a file (`./fix.ts`, `designs/fix.js`) rather than a built-in design. */
export function isDesignFilePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.(ts|mts|js|mjs)$/.test(spec);
}

export function getDesign(name: string): Design {
  if (isDesignFilePath(name) && !designs.has(name))
    throw new UsageError(`"${name}" is a design file: load it with loadDesign() (the command line does this for --design), or pass its default export`);
  const d = designs.get(name);
  if (!d) throw new UsageError(`unknown design "${name}"; designs: ${designNames().join(', ')}`);
  return d;
}

/** Parses `knob=value` (command-line spelling) into a change of one knob. */
export function parseKnobSetting(setting: string): Partial<Knobs> {
  const eq = setting.indexOf('=');
  const flags = Object.values(KNOB_SPECS).map((s) => s.flag);
  if (eq < 0) throw new UsageError(`--set takes knob=value, got "${setting}"; knobs: ${flags.join(', ')}`);
  const flag = setting.slice(0, eq);
  const raw = setting.slice(eq + 1);
  const entry = (Object.entries(KNOB_SPECS) as [keyof Knobs, (typeof KNOB_SPECS)[keyof Knobs]][]).find(([, s]) => s.flag === flag);
  if (!entry) throw new UsageError(`unknown knob "${flag}"; knobs: ${flags.join(', ')}`);
  const [key, spec] = entry;
  const value = raw === 'true' ? true : raw === 'false' ? false : raw;
  if (!spec.values.includes(value)) throw new UsageError(`knob ${flag} takes ${spec.values.join(' | ')}; got "${raw}"`);
  return { [key]: value } as Partial<Knobs>;
}

/** A design with `--set` overrides applied; its name records them. */
export function withSettings(design: Design, settings: readonly string[]): Design {
  if (settings.length === 0) return design;
  let knobs = design.knobs;
  for (const s of settings) knobs = { ...knobs, ...parseKnobSetting(s) };
  return { ...design, name: `${design.name}+${settings.join('+')}`, description: `${design.description}; with ${settings.join(', ')}`, knobs };
}

/** The knobs where `d` differs from v6, in command-line spelling. */
export function knobDiff(d: Design, base: Knobs = V6_KNOBS): string[] {
  return (Object.keys(KNOB_SPECS) as (keyof Knobs)[])
    .filter((k) => d.knobs[k] !== base[k])
    .map((k) => `${KNOB_SPECS[k].flag}=${String(d.knobs[k])}`);
}
