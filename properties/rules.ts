/**
 * The rules of arm64 kernel page-table handling that mmcheck checks (docs/invariants.md is generated from them),
 * in maintainers' words. A rule is a predicate on states (`holds`), on events (`check`,
 * which returns what went wrong), or both. Each names the kernel code that relies on it.
 */
import type { KernelEvent, KernelFacts } from './facts.ts';
import { explainPor } from './por.ts';

export interface KernelRule {
  /** Identifier used on the command line, in JSON and in tests. */
  readonly name: string;
  /** Number in docs/invariants.md and the matrix (0: the catch-all). */
  readonly number: number;
  /** One sentence a maintainer would say. */
  readonly statement: string;
  /** Why the kernel needs it and which code relies on it. */
  readonly rationale: string;
  /** Where to read the code. */
  readonly reference: string;
  /** Predicate on a state. */
  readonly holds?: (f: KernelFacts) => boolean;
  /** Check of an event: a one-line description of the violation, or undefined. */
  readonly check?: (e: KernelEvent) => string | undefined;
}

const range = (r: readonly [number, number]) => `[${r[0]}, ${r[1]})`;
const overlaps = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[1] && b[0] < a[1];

export const RULES: readonly KernelRule[] = [
  {
    name: 'pgtable-writes-hold-pgtables-overlay',
    number: 1,
    statement: 'Every write to a page of pkey PGTABLES runs with POR_EL1 granting W to that pkey.',
    rationale:
      'With kpkeys hardened page tables every page-table page is mapped in the linear map with pkey ' +
      'KPKEYS_PKEY_PGTABLES, which POR_EL1_INIT makes read-only. The only legitimate writers (__set_pte, ' +
      'set_pmd, set_pud, ptep_get_and_clear...) raise POR_EL1 to KPKEYS_LVL_PGTABLES with kpkeys_set_level() ' +
      'around the store, or rely on arch_enter_lazy_mmu_mode() having done so for the whole batch. A store ' +
      'without W faults with a level 3 permission fault, Overlay=1: the seed 000 splat.',
    reference: 'kpkeys series v6 patches 7, 28 (arch/arm64/include/asm/pgtable.h, kpkeys.h)',
    check: (e) =>
      e.kind === 'pgtable-store' && e.pagePkey === 1 && !e.porGrantsWrite
        ? `${e.callTrace[0] ?? 'a writer'} on CPU${e.cpu} (${e.task}) stored to a PGTABLES page with POR_EL1 = ${explainPor(e.por)}`
        : undefined,
  },
  {
    name: 'lazy-mmu-active-implies-pgtables-level',
    number: 2,
    statement: 'If lazy MMU mode is active in task context, the live POR_EL1 is at level PGTABLES.',
    rationale:
      'While batching, the kpkeys write guard is skipped (v6: is_lazy_mmu_mode_active()), so the page-table ' +
      'writers trust that arch_enter_lazy_mmu_mode() has already raised POR_EL1. Any point where the mode ' +
      'is active but POR_EL1 is not raised (the window between enable_count++ and arch_enter_lazy_mmu_mode(), ' +
      'or after an exception entry reset it) is a point where a nested writer would fault.',
    reference: 'include/linux/pgtable.h (lazy_mmu_mode_enable), kpkeys v6 patch 28',
    holds: (f) => f.cpus.every((c) => !c.inKernel || c.inInterrupt || !c.lazyMmuActive || c.porGrantsPgtablesWrite),
  },
  {
    name: 'el1-handlers-run-with-por-init',
    number: 3,
    statement: 'Handlers entered from EL1 run with POR_EL1_INIT; exception return restores the saved value.',
    rationale:
      'kpkeys v6 patch 7 saves POR_EL1 in pt_regs->por_el1 on exception entry from EL1 and writes ' +
      'POR_EL1_INIT, so that as little code as possible runs at a privileged kpkeys level; kernel_exit ' +
      'writes pt_regs->por_el1 back. Without the reset an IRQ taken inside a raised section runs its handler ' +
      'with write access to page tables; without the restore the interrupted code loses its level.',
    reference: 'kpkeys v6 patch 7 (arch/arm64/kernel/entry.S, entry-common.c)',
    check: (e) => {
      if (e.kind === 'handler-entry' && e.por !== e.porEl1Init)
        return `IRQ handler on CPU${e.cpu} entered with POR_EL1 = ${explainPor(e.por)}, not POR_EL1_INIT`;
      if (e.kind === 'exception-return' && e.por !== e.interruptedPor)
        return `exception return on CPU${e.cpu} left POR_EL1 = ${explainPor(e.por)}, interrupted code had ${explainPor(e.interruptedPor)}`;
      return undefined;
    },
  },
  {
    name: 'lazy-section-restores-por',
    number: 4,
    statement: 'After the outermost lazy MMU section ends, POR_EL1 is back at the task\'s pre-section value.',
    rationale:
      'arch_leave_lazy_mmu_mode() restores the value arch_enter_lazy_mmu_mode() saved in ' +
      'thread.por_el1_lazy_mmu. If a nested section overwrote that single slot (v5 nesting, or the window ' +
      'between enable_count-- and arch_leave_lazy_mmu_mode()), the task leaves its section with page tables ' +
      'writable: the hardening is silently off.',
    reference: 'kpkeys v6 patch 28; "mm: enable lazy_mmu sections to nest"',
    check: (e) =>
      e.kind === 'lazy-section-end' && e.por !== e.preSectionPor
        ? `${e.task} left its lazy MMU section on CPU${e.cpu} with POR_EL1 = ${explainPor(e.por)}, entered with ${explainPor(e.preSectionPor)}`
        : undefined,
  },
  {
    name: 'lazy-mmu-calls-balanced',
    number: 5,
    statement: 'enable/disable and pause/resume are balanced per task; no counter underflows.',
    rationale:
      'lazy_mmu_state {enable_count, pause_count} is per task and the arch hooks run only on the outermost ' +
      'transitions. An unbalanced call, or one counted on the interrupted task from interrupt context, ' +
      'leaves the task batching (or not) when it should not, with barriers and the POR level owed.',
    reference: 'include/linux/pgtable.h (lazy_mmu_mode_enable/disable/pause/resume)',
    holds: (f) => f.tasks.every((t) => t.enableCount >= 0 && t.pauseCount >= 0 && (!t.finished || (t.enableCount === 0 && t.pauseCount === 0))),
    check: (e) => (e.kind === 'lazy-counter-underflow' ? `${e.counter} of ${e.task} would go below zero` : undefined),
  },
  {
    name: 'no-access-before-pte-barriers',
    number: 6,
    statement: 'A kernel VA made valid inside a lazy section is not accessed before the barriers are emitted.',
    rationale:
      'Inside a lazy MMU section queue_pte_barriers() only sets TIF_LAZY_MMU_PENDING; the dsb(ishst); isb ' +
      'that makes a new valid kernel entry visible to the table walker comes at arch_leave or ' +
      'arch_flush_lazy_mmu_mode(). An access in between may take a translation fault on a mapping the code ' +
      'just created (KFENCE in softirq: commit b81c688426a9).',
    reference: 'arch/arm64/include/asm/pgtable.h (queue_pte_barriers, emit_pte_barriers)',
    check: (e) =>
      e.kind === 'access' && e.mappingUnpublished
        ? `CPU${e.cpu} (${e.task}) accessed ${e.what} before the barriers for its new mapping were emitted (${e.outcome})`
        : undefined,
  },
  {
    name: 'break-before-make',
    number: 7,
    statement: 'Live valid -> valid changes only touch permission bits; block<->table or output address changes need break-before-make, unless BBML2.',
    rationale:
      'The architecture requires break-before-make when a live entry changes size or output address: ' +
      'otherwise the TLB may hold both translations (TLB conflict abort, or loss of coherency). ' +
      'split_kernel_leaf_mapping() relies on FEAT_BBML2_NOABORT to split live blocks in place.',
    reference: 'Arm ARM D8.16 (BBM); arch/arm64/mm/mmu.c (split_kernel_leaf_mapping)',
    check: (e) => {
      if (e.kind !== 'pgtable-store' || e.old === null || e.new === null || e.bbml2) return undefined;
      if (e.old.type !== e.new.type || e.old.out !== e.new.out)
        return `CPU${e.cpu} replaced a live level ${e.level} ${e.old.type} with a ${e.new.type} without break-before-make`;
      return undefined;
    },
  },
  {
    name: 'no-stale-tlb-after-permission-change',
    number: 8,
    statement: 'Every change other than invalid -> valid is followed by a TLBI before it is relied on.',
    rationale:
      '__change_memory_common() calls flush_tlb_kernel_range() after update_range_prot() unless the change only ' +
      'sets PTE_VALID (an invalid entry is never cached). Skipping it for RW -> RO leaves a writable TLB ' +
      'entry: a write after set_memory_ro() returned succeeds.',
    reference: 'arch/arm64/mm/pageattr.c (__change_memory_common)',
    check: (e) =>
      e.kind === 'access' && e.viaTlb && e.outcome === 'ok' && !e.latestAllows && e.changeReturned
        ? `CPU${e.cpu} (${e.task}) ${e.access === 'write' ? 'wrote' : 'accessed'} ${e.what} through a stale TLB entry after the permission change returned`
        : undefined,
  },
  {
    name: 'cont-run-decodes-old-or-new',
    number: 9,
    statement: 'During a pte-by-pte change of a CONT run, every access decodes the old or the new permission.',
    rationale:
      'pageattr_pte_entry() rewrites a contiguous run one pte at a time; Dev Jain\'s patch argues this is ' +
      'fine because "any access will decode either the old or the new permission until the TLBI". A ' +
      'design that breaks entries (invalid, then new) without break-before-make lets a reader fault.',
    reference: 'arch/arm64/mm/pageattr.c (pageattr_pte_entry), seed 002',
    check: (e) => {
      if (e.kind !== 'access' || !e.changeInProgress) return undefined;
      const { old, new: nu } = e.changeInProgress;
      const same = (p?: { rdonly: boolean; pxn: boolean; poIndex: number }, q?: typeof p) =>
        !!p && !!q && p.rdonly === q.rdonly && p.pxn === q.pxn && p.poIndex === q.poIndex;
      if (e.outcome === 'translation-fault') return `CPU${e.cpu} took a translation fault on ${e.what} during the change`;
      if (e.outcome === 'tlb-conflict-abort') return `CPU${e.cpu} took a TLB conflict abort on ${e.what} during the change`;
      return same(e.perm, old) || same(e.perm, nu) ? undefined : `CPU${e.cpu} decoded neither the old nor the new permission of ${e.what}`;
    },
  },
  {
    name: 'permission-change-stays-in-range',
    number: 10,
    statement: 'A permission change never alters entries outside its requested range.',
    rationale:
      'update_range_prot() requires the caller to split blocks that straddle the range; pageattr_pmd_entry() ' +
      'WARNs and returns -EINVAL on a partial block. A walker without that check rewrites the whole block, ' +
      'changing memory the caller never asked about.',
    reference: 'arch/arm64/mm/pageattr.c (pageattr_pud_entry, pageattr_pmd_entry), seed 002',
    check: (e) => {
      if (e.kind !== 'pgtable-store' || !e.requestedRange) return undefined;
      const [s, t] = e.entryRange;
      const [a, b] = e.requestedRange;
      return s < a || t > b ? `CPU${e.cpu} rewrote a level ${e.level} entry mapping ${range(e.entryRange)} for a change of ${range(e.requestedRange)}` : undefined;
    },
  },
  {
    name: 'no-concurrent-lockless-walks',
    number: 11,
    statement: 'Concurrent lockless walks never cover the same range.',
    rationale:
      'walk_kernel_page_table_range_lockless() takes no lock: "the caller has exclusive access over the ' +
      'range". Two read-modify-write walks of one range lose an update: checked when the walks start, ' +
      'and as a consequence when a permission change returns (a bit a returned change set, that no other ' +
      'change of the range touches, is gone from a leaf of its range).',
    reference: 'mm/pagewalk.c (walk_kernel_page_table_range_lockless), seed 002',
    check: (e) => {
      if (e.kind === 'walk-start' && e.concurrent.some((r) => overlaps(r, e.range)))
        return `CPU${e.cpu} (${e.task}) started a lockless walk of ${range(e.range)} while another walk of an overlapping range is in progress`;
      if (e.kind === 'prot-change-return' && e.lost.length > 0) {
        const l = e.lost[0];
        return `lost update: the ${l.bit} change of ${range(l.range)} is gone from page ${l.va} when CPU${e.cpu} (${e.task}) returned from its change of ${range(e.range)}`;
      }
      return undefined;
    },
  },
  {
    name: 'atomic-context-never-sleeps',
    number: 12,
    statement: 'Atomic contexts (IRQ, softirq, KFENCE) never sleep (no mutex, no sleeping allocation).',
    rationale:
      'split_kernel_leaf_mapping() takes a mutex and may allocate page tables; KFENCE calls ' +
      'set_memory_valid() from softirq. might_sleep() in atomic context is "BUG: sleeping function called ' +
      'from invalid context".',
    reference: 'arch/arm64/mm/mmu.c (split_kernel_leaf_mapping), mm/kfence',
    check: (e) =>
      e.kind === 'might-sleep' && e.atomicContext
        ? `BUG: sleeping function called from invalid context: ${e.call} on CPU${e.cpu} in ${e.context}`
        : undefined,
  },
  {
    name: 'pgtable-pages-carry-pgtables-pkey',
    number: 13,
    statement: 'A page-table page carries pkey PGTABLES while it is a page table, DEFAULT after it is freed.',
    rationale:
      'kpkeys_pgtable_alloc()/kpkeys_pgtable_free() (via set_memory_pkey()) retag the linear alias of ' +
      'every page-table page. A page table with pkey DEFAULT is writable by any kernel code; a freed page ' +
      'left at PGTABLES faults when it is reused as ordinary memory.',
    reference: 'kpkeys series (mm/kpkeys_hardened_pgtables.c, arch/arm64/mm/pgd.c)',
    holds: (f) => f.pagetablePages.every((p) => (p.role === 'pgtable' ? p.pkey === 1 : p.role === 'free' ? p.pkey !== 1 : true)),
  },
  {
    name: 'linear-alias-protected',
    number: 14,
    statement: 'The linear alias of text/rodata is never writable; an unmapped alias is never accessed.',
    rationale:
      'rodata=full maps the linear alias of the kernel image read-only, and seed 001 unmaps data/bss from ' +
      'the linear map altogether. Anything that still reaches them through the linear map (the zero page ' +
      'via page_address(ZERO_PAGE(0)), a page-table dump of swapper_pg_dir, kernel_page_present() taking an ' +
      'invalid PMD block for a table and reading its page through the alias that block unmaps) then faults.',
    reference: 'arch/arm64/mm/mmu.c (map_mem), arch/arm64/mm/pageattr.c (kernel_page_present), seed 001',
    holds: (f) => f.textAliases.every((t) => !t.writable),
    check: (e) =>
      e.kind === 'access' && e.unmappedAlias
        ? `CPU${e.cpu} (${e.task}) accessed ${e.what} through its unmapped linear alias`
        : undefined,
  },
  {
    name: 'kernel-does-not-warn',
    number: 0,
    statement: 'The kernel prints no WARN and no KFENCE report.',
    rationale:
      'Opt-in (no scenario checks it by default): a WARN is not an oops. __do_kernel_fault() WARNs ' +
      '("Ignoring spurious kernel translation fault") and retries when AT S1E1R shows a translation ' +
      'fault was spurious (no FEAT_ETS2); KFENCE reports an access to a protected page and lets it ' +
      'proceed. The kernel survives both, but a system with panic_on_warn does not, and a KFENCE ' +
      'report is a bug report. Ask for this rule to see a schedule that leads to one.',
    reference: 'arch/arm64/mm/fault.c (__do_kernel_fault, is_spurious_el1_translation_fault), mm/kfence/core.c',
    holds: (f) => f.warnings.length === 0,
  },
  {
    name: 'kernel-does-not-oops',
    number: 0,
    statement: 'The kernel does not oops.',
    rationale:
      'The catch-all: any fault the kernel cannot handle (die_kernel_fault: a translation or permission ' +
      'fault with no exception-table fixup, no spurious-fault retry and no KFENCE page, or a TLB conflict ' +
      'abort) ends the run. Faults the kernel recovers from (fixup_exception(), a spurious translation ' +
      'fault, KFENCE) are not oopses. Checked last, so that a fault explained by a specific rule is ' +
      'reported under that rule.',
    reference: 'arch/arm64/mm/fault.c (__do_kernel_fault, die_kernel_fault)',
    holds: (f) => f.oops === null,
  },
  {
    name: 'set-memory-return-means-done',
    number: 15,
    statement: 'A set_memory_*() that returns 0 has taken effect: every page it was asked to change carries the new permission.',
    rationale:
      'Callers (module loading, BPF, KFENCE, hibernation, kpkeys) act on a 0 return as if the mapping had ' +
      'changed. A walk that silently skips an entry (an invalid block that is not p[mu]d_present()), or ' +
      "change_memory_common()'s rodata_full linear-alias updates, whose return values it ignores, can leave " +
      'part of the request undone behind a 0.',
    reference: 'arch/arm64/mm/pageattr.c (change_memory_common, __change_memory_common, set_memory_valid)',
    check: (e) => {
      if (e.kind !== 'set-memory-return' || e.ret !== 0 || e.notApplied.length === 0) return undefined;
      const n = e.notApplied[0];
      return `${e.call}(${range(e.range)}) returned 0 on CPU${e.cpu} (${e.task}), but page ${n.va} does not have ${n.bit}`;
    },
  },
  {
    name: 'hibernation-image-complete',
    number: 16,
    statement: 'Every saveable page is in the hibernation image.',
    rationale:
      'swsusp_save() copies every page saveable_page() accepts; a page the kernel needs after resume (kernel ' +
      'data/bss, pages in use) that it leaves out is silently lost: the resumed kernel runs on stale data. ' +
      'saveable_page() drops PageReserved pages whose linear alias is not present, so unmapping data/bss ' +
      'without mapping it back around the snapshot loses it.',
    reference: 'kernel/power/snapshot.c (saveable_page, copy_data_pages, safe_copy_page), seed 001',
    holds: (f) => f.imageLeftOut.length === 0,
  },
  {
    name: 'no-recursive-locking',
    number: 17,
    statement: 'A task never takes a sleeping lock it already holds.',
    rationale:
      'Kernel mutexes are not recursive: a second mutex_lock() by the owner waits for itself forever (lockdep ' +
      'reports "possible recursive locking detected"). split_kernel_leaf_mapping() holds pgtable_split_lock ' +
      'while it allocates page-table pages; an allocator that calls set_memory_pkey() there re-enters ' +
      'update_range_prot() and split_kernel_leaf_mapping(), which is why the kpkeys allocator keeps a reserve ' +
      'of pre-tagged pages for splits ("we cannot recursively split the linear map").',
    reference: 'kernel/locking/mutex.c, arch/arm64/mm/mmu.c (split_kernel_leaf_mapping), mm/kpkeys_hardened_pgtables.c',
    check: (e) => (e.kind === 'recursive-lock' ? `${e.task} on CPU${e.cpu} takes ${e.lock}, which it already holds: it waits for itself forever` : undefined),
  },
];

export const RULES_BY_NAME: ReadonlyMap<string, KernelRule> = new Map(RULES.map((r) => [r.name, r]));

export function ruleNamed(name: string): KernelRule | undefined {
  return RULES_BY_NAME.get(name);
}
