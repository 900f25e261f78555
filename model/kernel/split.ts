/**
 * Splitting live kernel leaf mappings (arch/arm64/mm/mmu.c, Yang Shi's "arm64: support large
 * block mappings in the linear map with BBML2_NOABORT" as merged): update_range_prot() calls
 * split_kernel_leaf_mapping(start, end) first, so that no block or CONT run straddles the
 * range it then walks.
 *
 * split_kernel_leaf_mapping() returns at once without FEAT_BBML2_NOABORT, when the linear map
 * is forced to ptes, or for KFENCE addresses ("CONFIG_KFENCE may change permissions from
 * atomic context ... we must not go any further because taking the mutex below may sleep");
 * otherwise it takes pgtable_split_lock and splits at start and at end:
 * split_kernel_leaf_mapping_locked() splits a pud block to CONT pmds, a CONT pmd run to pmds,
 * a pmd block to CONT ptes and a CONT pte run to ptes, as far as the address needs. A split
 * allocates a table (GFP_PGTABLE_KERNEL: may sleep), fills it, publishes it with dsb(ishst)
 * and replaces the live block with it: in place, which only FEAT_BBML2_NOABORT allows.
 *
 * Design knobs: `bbmLevel` is the CPU's FEAT_BBM support (model/hardware/mmu.ts); the kernel
 * splits only when it is `2-noabort` (system_supports_bbml2_noabort(), cpufeature.c's
 * has_bbml2_noabort()). `blockSplit` 'in-place', 'break-before-make' and 'stop-machine' are
 * designs that split whatever the CPU supports (they drop that early return): in place (which the
 * hardware answers with TLB conflict aborts below BBML2_NOABORT), or by invalidating the block and
 * flushing the TLB before installing the table.
 *
 * Abstractions:
 * - The reads of the entries (pudp_get, pmdp_get, __ptep_get) are fused with the step before
 *   them: pgtable_split_lock serialises splitters, and callers own their ranges exclusively,
 *   so no other CPU writes these entries meanwhile (the permission bits a concurrent walk of
 *   another range could change are in other entries).
 * - The table comes from kpkeys_pgtable_alloc() (model/kernel/mm.ts): by default the pkeys block
 *   allocator's reserve of pages already mapped with ptes and tagged KPKEYS_PKEY_PGTABLES
 *   (`flags.free_pgtable_page`, one page); with the knob `split-pgtable-alloc=noblock` the
 *   minimal allocator, whose set_memory_pkey() re-enters update_range_prot() from the split.
 * - The PTRS_PER_PTE stores that fill the new table are one event: the table is not reachable
 *   by any walker yet, so only their publication (the dsb(ishst) before __pmd_populate()) is
 *   observable. The kpkeys guard around each store is folded in: the stores run at the POR the
 *   guard (or the lazy MMU batch) gives them, and POR_EL1 is unchanged after the step.
 * - The table descriptor's PMD_TABLE_PXN/UXN/AF bits are not modelled.
 */
import { Desc, isLeaf, permOf, tableDesc, type Entry } from '../hardware/descriptor.ts';
import { entryBase, pagesPerEntry, regionBase, regionOf, tableIndex, type Level } from '../hardware/geometry.ts';
import { readEntry, storeEntry } from '../hardware/memory.ts';
import { mmuAccess } from '../hardware/mmu.ts';
import { kpkeys_level_por, por_permits } from '../hardware/pkeys.ts';
import { walkLatest } from '../hardware/walk.ts';
import { event, fnNamed, K, kfunc, local, type KFunction, type Outcome } from './exec.ts';
import { bbml2NoAbort, dsb, oops, outcomeLabels } from './hw.ts';
import { kpkeysGuardSkipped, writeArgs, writerFor, __set_pte } from './kpkeys.ts';
import { lazy_mmu_mode_disable, lazy_mmu_mode_enable } from './lazy_mmu.ts';
import { mutex_lock, mutex_unlock } from './mutex.ts';

const ENOMEM = -12;
const LEVEL_SIZE = ['PGDIR_SIZE', 'PUD_SIZE', 'PMD_SIZE', 'PAGE_SIZE'] as const;

/** The slot of the entry at `level` on the path to `va` in the latest tables, if the path is there. */
function slotAt(k: K, va: number, level: Level): { table: number; index: number; entry: Entry } | undefined {
  const g = k.env.geometry;
  let table = k.env.layout.root;
  for (let l = 0 as Level; ; l = (l + 1) as Level) {
    const index = tableIndex(g, va, l);
    const entry = readEntry(k.s.memory, table, index);
    if (l === level) return { table, index, entry };
    if (entry === null || !entry.valid || entry.type !== 'table') return undefined;
    table = entry.out;
  }
}

/**
 * pmd_leaf() (and pud, pte): a valid block or page, or an invalid one that keeps
 * PTE_PRESENT_INVALID (invalidLeafEncoding 'present-invalid').
 */
const presentLeaf = (k: K, e: Entry): e is Desc =>
  e !== null && e.type !== 'table' && (isLeaf(e) || k.knobs.invalidLeafEncoding === 'present-invalid');

/** __ffs() of the address's offset in its region (the regions' bases are aligned far beyond any table). */
function ffs(k: K, va: number): number {
  const off = va - regionBase(k.env.geometry, regionOf(k.env.geometry, va));
  if (off === 0) return Infinity;
  let n = 0;
  while (((off >> n) & 1) === 0) n++;
  return n;
}

/**
 * The PTRS_PER_PTE (or PTRS_PER_PMD) stores that fill a new table, as one event: each is a
 * store through the linear alias of the new page, checked by the MMU with the POR_EL1 the
 * kpkeys guard gives it, and reported to the rules like any page-table store.
 */
function fillNewTable(k: K, table: number, level: Level, firstVa: number, entries: readonly Desc[]): Outcome[] {
  const g = k.env.geometry;
  const va = k.env.layout.tableVa(table);
  const por = kpkeysGuardSkipped(k) ? k.cpu.por_el1 : kpkeys_level_por(k.cpu.por_el1, 'KPKEYS_LVL_PGTABLES');
  const mapping = walkLatest(g, k.s.memory, k.env.layout.root, va);
  const pagePkey = mapping.ok ? mapping.leaf.poIndex : -1;
  const per = pagesPerEntry(g, level);
  entries.forEach((e, i) => {
    const old = readEntry(k.s.memory, table, i);
    k = k.observe({
      kind: 'pgtable-store',
      pagePkey,
      porGrantsWrite: por_permits(por, Math.max(0, pagePkey), 'write'),
      por,
      level,
      old: old === null ? null : { type: old.type, out: old.out, perm: permOf(old) },
      new: { type: e.type, out: e.out, perm: permOf(e) },
      bbml2: bbml2NoAbort(k),
      entryRange: [firstVa + i * per, firstVa + (i + 1) * per],
    });
  });
  const outcomes = mmuAccess({ geometry: g, memory: k.s.memory, root: k.env.layout.root, tlb: k.cpu.tlb, por, cpu: k.cpuId, bbm: k.knobs.bbmLevel }, va, 'write');
  const labels = outcomeLabels(outcomes);
  return outcomes.map((o, i) => {
    const label = labels[i];
    if (!o.result.ok) return { label, k: oops(k, o.result.fault, 0) };
    let memory = k.s.memory;
    entries.forEach((e, i) => (memory = storeEntry(memory, k.cpuId, table, i, e)));
    return { label, k: k.update((s) => s.set('memory', memory)).setCpu((c) => c.set('tlb', o.tlb)).next() };
  });
}

/**
 * split_pud() / split_pmd(): a live block at `level` (1 or 2) becomes a table of the next
 * level mapping the same memory with the same permissions (CONT runs when `to_cont`).
 * Locals: `table`, `index` (the block's slot), `addr` (a VA in the block), `to_cont`.
 */
function splitBlock(name: 'split_pud' | 'split_pmd', level: 1 | 2): KFunction {
  const child = (level + 1) as 2 | 3;
  const lvl = level === 1 ? 'pud' : 'pmd';
  const sub = level === 1 ? 'pmd' : 'pte';
  const populate = level === 1 ? '__pud_populate(pudp, pmd_phys, tableprot)' : '__pmd_populate(pmdp, pte_phys, tableprot)';
  return kfunc(name, 'arch/arm64/mm/mmu.c', [
    local(`${sub}_phys = split_pgtable_alloc(TABLE_${sub.toUpperCase()}): pagetable_alloc(GFP_PGTABLE_KERNEL | __GFP_PGTABLE_SPLIT, 0) -> kpkeys_pgtable_alloc()`, (k) =>
      k.call(fnNamed('kpkeys_pgtable_alloc')),
    ),
    local(`if (${sub}_phys == INVALID_PHYS_ADDR) return -ENOMEM`, (k) => {
      const [page, kk] = k.takeRet();
      return typeof page === 'number' && page >= 0 ? kk.setLocal('new_table', page).next() : kk.ret(ENOMEM);
    }),
    event(`for (i = 0; i < PTRS_PER_${sub.toUpperCase()}; i++, ${sub}p++, pfn += step) __set_${sub}(${sub}p, pfn_${sub}(pfn, prot))`, (k) => {
      const g = k.env.geometry;
      const block = (k.local('block') ?? null) as Desc;
      const per = pagesPerEntry(g, child);
      const kind = child === 3 ? 'page' : 'block';
      const entries = Array.from({ length: g.fanout }, (_, i) =>
        block.merge({ type: kind, out: block.out + i * per, cont: !!k.local('to_cont') }),
      );
      return fillNewTable(k, k.num('new_table'), child, entryBase(g, k.num('addr'), level), entries);
    }),
    event('dsb(ishst): the new entries are visible to the walker before the table is', (k) => dsb(k).next()),
    local(`route: in place (BBML2), break-before-make, or break-before-make under stop_machine()`, (k) =>
      k.knobs.blockSplit === 'stop-machine' ? k.goto('stop_machine') : k.knobs.blockSplit === 'break-before-make' ? k.next() : k.goto('populate'),
    ),
    local(`(break-before-make design) ${lvl}_clear(${lvl}p)`, (k) =>
      k.call(writerFor(level), writeArgs({ table: k.num('table'), index: k.num('index'), level, value: null })),
    ),
    local(`(break-before-make design) flush_tlb_kernel_range(addr, addr + ${LEVEL_SIZE[level]})`, (k) => {
      const base = entryBase(k.env.geometry, k.num('addr'), level);
      return k.call(fnNamed('flush_tlb_kernel_range'), { start: base, end: base + pagesPerEntry(k.env.geometry, level) });
    }),
    local(
      populate,
      (k) => k.call(writerFor(level), writeArgs({ table: k.num('table'), index: k.num('index'), level, value: tableDesc(k.num('new_table')) })),
      { name: 'populate' },
    ),
    local('return 0', (k) => k.ret(0), { name: 'done' }),
    local(
      `(stop-machine design) stop_machine(${lvl}_break_before_make, &data, cpu_online_mask)`,
      (k) =>
        k.call(stopMachineBbm[level], { table: k.num('table'), index: k.num('index'), new_table: k.num('new_table'), addr: k.num('addr') }, { atomic: true }),
      { name: 'stop_machine' },
    ),
    local('return 0', (k) => k.goto('done')),
  ]);
}

/**
 * Break-before-make under stop_machine(): every other CPU spins with IRQs off while this one
 * clears the block, flushes the TLB, installs the table and publishes it, so nobody can touch
 * the range while it is unmapped. Called as one atomic region: the other CPUs see only before
 * and after.
 */
function stopMachineBbmFn(level: 1 | 2): KFunction {
  const lvl = level === 1 ? 'pud' : 'pmd';
  return kfunc(`${lvl}_break_before_make`, 'arch/arm64/mm/mmu.c (stop_machine() callback, design)', [
    local(`${lvl}_clear(${lvl}p)`, (k) => k.call(writerFor(level), writeArgs({ table: k.num('table'), index: k.num('index'), level, value: null }))),
    local(`flush_tlb_kernel_range(addr, addr + ${LEVEL_SIZE[level]})`, (k) => {
      const base = entryBase(k.env.geometry, k.num('addr'), level);
      return k.call(fnNamed('flush_tlb_kernel_range'), { start: base, end: base + pagesPerEntry(k.env.geometry, level) });
    }),
    local(`__${lvl}_populate(${lvl}p, table_phys, tableprot)`, (k) =>
      k.call(writerFor(level), writeArgs({ table: k.num('table'), index: k.num('index'), level, value: tableDesc(k.num('new_table')) })),
    ),
    // Inside the caller's lazy section the populate's barrier is only queued: publish it before
    // the other CPUs resume.
    local('arch_flush_lazy_mmu_mode()', (k) => k.call(fnNamed('arch_flush_lazy_mmu_mode'))),
  ]);
}
const stopMachineBbm: Record<1 | 2, KFunction> = { 1: stopMachineBbmFn(1), 2: stopMachineBbmFn(2) };

export const split_pud = splitBlock('split_pud', 1);
export const split_pmd = splitBlock('split_pmd', 2);

/**
 * split_contpte() / split_contpmd(): clears PTE_CONT in every entry of the run, one store at
 * a time. Locals: `table`, `index` (any entry of the run), `level`.
 */
function splitCont(name: 'split_contpte' | 'split_contpmd', level: 2 | 3): KFunction {
  const e = level === 3 ? 'pte' : 'pmd';
  const n = level === 3 ? 'CONT_PTES' : 'CONT_PMDS';
  return kfunc(name, 'arch/arm64/mm/mmu.c', [
    local(`${e}p = PTR_ALIGN_DOWN(${e}p, sizeof(*${e}p) * ${n}); i = 0`, (k) => {
      const run = level === 3 ? k.env.geometry.contPtes : k.env.geometry.contPmds;
      return k.setLocals({ first: Math.floor(k.num('index') / run) * run, i: 0, run }).next();
    }),
    local(
      level === 3 ? '__set_pte(ptep, pte_mknoncont(__ptep_get(ptep)))' : 'set_pmd(pmdp, pmd_mknoncont(pmdp_get(pmdp)))',
      (k) => {
        const index = k.num('first') + k.num('i');
        const cur = readEntry(k.s.memory, k.num('table'), index);
        const value = cur === null ? null : cur.set('cont', false);
        return k.call(level === 3 ? __set_pte : writerFor(2), writeArgs({ table: k.num('table'), index, level, value }));
      },
      { name: 'loop' },
    ),
    local(`for (i = 0; i < ${n}; i++, ${e}p++)`, (k) => {
      const i = k.num('i') + 1;
      return i < k.num('run') ? k.setLocal('i', i).goto('loop') : k.ret();
    }),
  ]);
}

export const split_contpte = splitCont('split_contpte', 3);
export const split_contpmd = splitCont('split_contpmd', 2);

export const split_kernel_leaf_mapping_locked = kfunc('split_kernel_leaf_mapping_locked', 'arch/arm64/mm/mmu.c', [
  local('if (ALIGN_DOWN(addr, PGDIR_SIZE) == addr) goto out; pgd = pgdp_get(pgdp); if (!pgd_present(pgd)) goto out', (k) => {
    const addr = k.num('addr');
    const g = k.env.geometry;
    if (addr % pagesPerEntry(g, 0) === 0) return k.goto('out');
    const pgd = slotAt(k, addr, 0);
    return pgd?.entry?.valid ? k.next() : k.goto('out');
  }),
  local(
    'if (ALIGN_DOWN(addr, PUD_SIZE) == addr) goto out; pud = pudp_get(pudp); if (!pud_present(pud)) goto out; if (pud_leaf(pud)) ret = split_pud(pudp, pud, GFP_PGTABLE_KERNEL, true)',
    (k) => {
      const addr = k.num('addr');
      if (addr % pagesPerEntry(k.env.geometry, 1) === 0) return k.goto('out');
      const pud = slotAt(k, addr, 1);
      if (!pud || pud.entry === null || !pud.entry.valid) return k.goto('out');
      if (!presentLeaf(k, pud.entry)) return k.next();
      return k.call(split_pud, { table: pud.table, index: pud.index, addr, block: pud.entry, to_cont: true });
    },
  ),
  local('if (ret) goto out', (k) => {
    const [ret, kk] = k.takeRet();
    return typeof ret === 'number' && ret !== 0 ? kk.setLocal('ret', ret).goto('out') : kk.next();
  }),
  local(
    'if (ALIGN_DOWN(addr, CONT_PMD_SIZE) == addr) goto out; pmd = pmdp_get(pmdp); if (!pmd_present(pmd)) goto out; if (pmd_leaf(pmd) && pmd_cont(pmd)) split_contpmd(pmdp)',
    (k) => {
      const g = k.env.geometry;
      const addr = k.num('addr');
      if (addr % (g.contPmds * pagesPerEntry(g, 2)) === 0) return k.goto('out');
      const pmd = slotAt(k, addr, 2);
      if (!pmd || pmd.entry === null || !pmd.entry.valid) return k.goto('out');
      k = k.setLocal('pmd', pmd.entry);
      if (presentLeaf(k, pmd.entry) && pmd.entry.cont) return k.call(split_contpmd, { table: pmd.table, index: pmd.index });
      return k.next();
    },
  ),
  local(
    'if (pmd_leaf(pmd)) { if (ALIGN_DOWN(addr, PMD_SIZE) == addr) goto out; ret = split_pmd(pmdp, pmd, GFP_PGTABLE_KERNEL, true); }',
    (k) => {
      const addr = k.num('addr');
      const pmd = (k.local('pmd') ?? null) as Entry;
      k = k.setLocal('pmd', undefined);
      if (!presentLeaf(k, pmd)) return k.next();
      if (addr % pagesPerEntry(k.env.geometry, 2) === 0) return k.goto('out');
      const slot = slotAt(k, addr, 2)!;
      return k.call(split_pmd, { table: slot.table, index: slot.index, addr, block: pmd, to_cont: true });
    },
  ),
  local('if (ret) goto out', (k) => {
    const [ret, kk] = k.takeRet();
    return typeof ret === 'number' && ret !== 0 ? kk.setLocal('ret', ret).goto('out') : kk.next();
  }),
  local(
    'if (ALIGN_DOWN(addr, CONT_PTE_SIZE) == addr) goto out; pte = __ptep_get(ptep); if (!pte_present(pte)) goto out; if (pte_cont(pte)) split_contpte(ptep)',
    (k) => {
      const addr = k.num('addr');
      if (addr % k.env.geometry.contPtes === 0) return k.goto('out');
      const pte = slotAt(k, addr, 3);
      if (!pte || !presentLeaf(k, pte.entry) || !pte.entry.cont) return k.goto('out');
      return k.call(split_contpte, { table: pte.table, index: pte.index });
    },
  ),
  local('out: return ret', (k) => k.ret(k.local('ret') ?? 0), { name: 'out' }),
]);

/** is_kfence_address(): the address is in the KFENCE pool (`__kfence_pool` in the layout). */
function is_kfence_address(k: K, va: number): boolean {
  const start = k.env.layout.vas.get('__kfence_pool');
  const end = k.env.layout.vas.get('__kfence_pool_end');
  return start !== undefined && end !== undefined && va >= start && va < end;
}

/** Locals: `start`, `end`. Returns 0 or -ENOMEM. */
export const split_kernel_leaf_mapping = kfunc('split_kernel_leaf_mapping', 'arch/arm64/mm/mmu.c', [
  local('if (!system_supports_bbml2_noabort()) return 0', (k) =>
    // The kernel relies on BBML2_NOABORT (bbm-level=2-noabort) to split live mappings; the
    // stop-machine, break-before-make and in-place designs split whatever the CPU supports.
    k.knobs.blockSplit === 'bbml2' && !bbml2NoAbort(k) ? k.ret(0) : k.next(),
  ),
  local('if (force_pte_mapping() || is_kfence_address((void *)start)) return 0', (k) => {
    // force_pte_mapping(): the linear map is PTE-mapped (linear-map knob 'pte').
    if (k.knobs.linearMap === 'pte') return k.ret(0);
    if (k.knobs.kfenceSplitEarlyReturn && is_kfence_address(k, k.num('start'))) return k.ret(0);
    // if (start != PAGE_ALIGN(start) || end != PAGE_ALIGN(end)) return -EINVAL: VAs are pages here.
    return k.next();
  }),
  local('mutex_lock(&pgtable_split_lock)', (k) => k.call(mutex_lock, { lock: 'pgtable_split_lock' })),
  local('lazy_mmu_mode_enable()', (k) => k.call(lazy_mmu_mode_enable)),
  local('if (end - start == PAGE_SIZE) { start = __ffs(start) < __ffs(end) ? start : end; ret = split_kernel_leaf_mapping_locked(start); } else ret = split_kernel_leaf_mapping_locked(start)', (k) => {
    const start = k.num('start');
    const end = k.num('end');
    if (end - start === 1) return k.setLocal('single', true).call(split_kernel_leaf_mapping_locked, { addr: ffs(k, start) < ffs(k, end) ? start : end });
    return k.call(split_kernel_leaf_mapping_locked, { addr: start });
  }),
  local('if (!ret && end - start != PAGE_SIZE) ret = split_kernel_leaf_mapping_locked(end)', (k) => {
    const [ret, kk] = k.takeRet();
    k = kk.setLocal('ret', ret ?? 0);
    if (k.local('single') || k.num('ret') !== 0) return k.next();
    return k.call(split_kernel_leaf_mapping_locked, { addr: k.num('end') });
  }),
  local('lazy_mmu_mode_disable()', (k) => {
    const [ret, kk] = k.takeRet();
    k = ret === undefined ? kk : kk.setLocal('ret', ret);
    return k.call(lazy_mmu_mode_disable);
  }),
  local('mutex_unlock(&pgtable_split_lock)', (k) => k.call(mutex_unlock, { lock: 'pgtable_split_lock' })),
  local('return ret', (k) => k.ret(k.num('ret'))),
]);
