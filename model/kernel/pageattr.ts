/**
 * Permission changes of kernel mappings (arch/arm64/mm/pageattr.c after Dev Jain's "Enable
 * permission change on arm64 kernel block mappings", seed 002; mm/pagewalk.c).
 *
 * update_range_prot() first splits any block or CONT run that straddles the range
 * (split_kernel_leaf_mapping(), split.ts), then brackets walk_kernel_page_table_range_lockless()
 * with a lazy MMU section;
 * the pud/pmd callbacks rewrite a block in place if the range covers it whole (else WARN and
 * -EINVAL), the pte callback rewrites each pte (a CONT run one pte at a time).
 * __change_memory_common() then flushes the TLB unless the change is invalid -> valid only.
 *
 * Masks travel as locals: m_valid, m_rdonly, m_pxn (booleans: set or clear), m_poindex.
 */
import { Desc, isLeaf, type Entry } from '../hardware/descriptor.ts';
import { entryBase, linearAlias, pagesPerEntry, regionOf, type Level } from '../hardware/geometry.ts';
import { event, fnNamed, K, kfunc, local, type KFunction } from './exec.ts';
import { flushTlbKernelRange, leafSlot, ptep_get } from './hw.ts';
import { __set_pte, set_pmd, set_pud, writeArgs } from './kpkeys.ts';
import { lazy_mmu_mode_disable, lazy_mmu_mode_enable } from './lazy_mmu.ts';
import { split_kernel_leaf_mapping } from './split.ts';
import { LocklessWalk, ProtChange, type Value } from './state.ts';

const EINVAL = -22;
const MASKS = ['m_valid', 'm_rdonly', 'm_pxn', 'm_poindex'] as const;

/** The masks of the current frame, to pass to a callee. */
export function masksOf(k: K): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const m of MASKS) {
    const v = k.local(m);
    if (v !== undefined) out[m] = v;
  }
  return out;
}

/** set_pageattr_masks(): val &= ~clear_mask; val |= set_mask. */
export function set_pageattr_masks(val: Entry, masks: Record<string, Value>): Entry {
  if (val === null) return null;
  let v: Desc = val;
  if (typeof masks.m_valid === 'boolean') v = v.set('valid', masks.m_valid);
  if (typeof masks.m_rdonly === 'boolean') v = v.set('rdonly', masks.m_rdonly);
  if (typeof masks.m_pxn === 'boolean') v = v.set('pxn', masks.m_pxn);
  if (typeof masks.m_poindex === 'number') v = v.set('poIndex', masks.m_poindex);
  return v;
}

/** pud_leaf()/pmd_leaf(): a present block. */
function blockLeaf(k: K, e: Entry): e is Desc {
  // pud_leaf()/pmd_leaf() = pXd_present() && !pXd_table(): an invalid block counts only when it
  // keeps PTE_PRESENT_INVALID ("arm64: mm: Handle invalid large leaf mappings correctly").
  return e !== null && e.type === 'block' && (isLeaf(e) || k.knobs.invalidLeafEncoding === 'present-invalid');
}

export const flush_tlb_kernel_range = kfunc('flush_tlb_kernel_range', 'arch/arm64/include/asm/tlbflush.h', [
  event('dsb(ishst); __tlbi(vaale1is, addr) for each page; dsb(ish); isb()', (k) => flushTlbKernelRange(k, k.num('start'), k.num('end')).ret()),
]);

export const pageattr_pte_entry = kfunc('pageattr_pte_entry', 'arch/arm64/mm/pageattr.c', [
  event('pte_t val = __ptep_get(pte)', (k) => k.setLocal('val', ptep_get(k, k.num('table'), k.num('index'))).next()),
  local('val = set_pageattr_masks(val, walk); __set_pte(pte, val)', (k) => {
    const old = (k.local('val') ?? null) as Entry;
    const nu = set_pageattr_masks(old, masksOf(k));
    const args = { table: k.num('table'), index: k.num('index'), level: 3 as Level, req_start: k.num('req_start'), req_end: k.num('req_end') };
    k = k.setLocal('val', undefined);
    if (k.knobs.contUpdate === 'invalid-then-new' && old?.valid && nu?.valid)
      return k.setLocal('then', nu).call(__set_pte, writeArgs({ ...args, value: old.set('valid', false) }));
    return k.call(__set_pte, writeArgs({ ...args, value: nu }));
  }),
  local('(invalid-then-new design) __set_pte(pte, val)', (k) => {
    const then = k.local('then');
    if (!then) return k.ret(0);
    return k.setLocal('then', undefined).call(__set_pte, writeArgs({ table: k.num('table'), index: k.num('index'), level: 3, value: then as Desc, req_start: k.num('req_start'), req_end: k.num('req_end') }));
  }),
]);

function blockEntry(name: string, writer: KFunction, sizeName: string): KFunction {
  return kfunc(name, 'arch/arm64/mm/pageattr.c', [
    event(`val = ${name === 'pageattr_pud_entry' ? 'pudp_get(pud)' : 'pmdp_get(pmd)'}`, (k) =>
      k.setLocal('val', ptep_get(k, k.num('table'), k.num('index'))).next(),
    ),
    local(`if (leaf(val)) { if (WARN_ON_ONCE((next - addr) != ${sizeName})) return -EINVAL; set(val | masks); }`, (k) => {
      const val = (k.local('val') ?? null) as Entry;
      k = k.setLocal('val', undefined);
      if (!blockLeaf(k, val)) return k.ret(0);
      const level = k.num('level') as Level;
      const partial = k.num('next') - k.num('addr') !== pagesPerEntry(k.env.geometry, level);
      if (partial && k.knobs.partialBlockCheck)
        return k.update((s) => s.setIn(['flags', 'warn'], `WARN_ON_ONCE((next - addr) != ${sizeName}) in ${name}`)).ret(EINVAL);
      return k.call(
        writer,
        writeArgs({ table: k.num('table'), index: k.num('index'), level, value: set_pageattr_masks(val, masksOf(k)), req_start: k.num('req_start'), req_end: k.num('req_end') }),
      );
    }),
    local('return 0', (k) => k.ret(0)),
  ]);
}

export const pageattr_pud_entry = blockEntry('pageattr_pud_entry', set_pud, 'PUD_SIZE');
export const pageattr_pmd_entry = blockEntry('pageattr_pmd_entry', set_pmd, 'PMD_SIZE');

/** walk_pgd_range() and the levels below it: visits every entry of [addr, end) once. */
export const walk_pgd_range = kfunc('walk_pgd_range', 'mm/pagewalk.c', [
  local(
    'for each pud/pmd/pte in [addr, end): ops->pud_entry / pmd_entry / pte_entry',
    (k) => {
      const g = k.env.geometry;
      const addr = k.num('addr');
      const end = k.num('end');
      if (addr >= end) return k.ret(0);
      const slot = leafSlot(k, addr);
      if (!slot) return k.ret(0);
      const entryEnd = entryBase(g, addr, slot.level) + pagesPerEntry(g, slot.level);
      const next = Math.min(end, entryEnd);
      const common = { table: slot.table, index: slot.index, req_start: k.num('req_start'), req_end: k.num('req_end'), ...masksOf(k) };
      if (slot.level === 3) return k.setLocal('addr', addr + 1).call(pageattr_pte_entry, common);
      if (blockLeaf(k, slot.entry)) {
        const cb = slot.level === 1 ? pageattr_pud_entry : pageattr_pmd_entry;
        return k.setLocal('addr', next).call(cb, { ...common, level: slot.level, addr, next });
      }
      // pte_hole: nothing mapped here (or a non-present block, which the walker skips).
      return k.setLocal('addr', next).goto('loop');
    },
    { name: 'loop' },
  ),
  local('if (err) break', (k) => {
    const [err, kk] = k.takeRet();
    return typeof err === 'number' && err !== 0 ? kk.ret(err) : kk.goto('loop');
  }),
]);

export const walk_kernel_page_table_range_lockless = kfunc('walk_kernel_page_table_range_lockless', 'mm/pagewalk.c', [
  local('return walk_pgd_range(start, end, &walk)', (k) => {
    const start = k.num('start');
    const end = k.num('end');
    const concurrent = k.s.lockless_walks.filter((w) => w.task !== k.taskId).map((w) => [w.start, w.end] as const).toArray();
    k = k.observe({ kind: 'walk-start', range: [start, end], concurrent });
    k = k.update((s) => s.set('lockless_walks', s.lockless_walks.push(new LocklessWalk({ task: k.taskId, start, end }))));
    return k.call(walk_pgd_range, { addr: start, end, req_start: start, req_end: end, ...masksOf(k) });
  }),
  local('(walk done)', (k) => {
    const [err, kk] = k.takeRet();
    const me = kk.taskId;
    return kk.update((s) => s.set('lockless_walks', s.lockless_walks.filter((w) => w.task !== me))).ret(err ?? 0);
  }),
]);

export const update_range_prot = kfunc('update_range_prot', 'arch/arm64/mm/pageattr.c', [
  local('ret = split_kernel_leaf_mapping(start, start + size)', (k) => k.call(split_kernel_leaf_mapping, { start: k.num('start'), end: k.num('end') })),
  local('if (WARN_ON_ONCE(ret)) return ret', (k) => {
    const [err, kk] = k.takeRet();
    if (typeof err !== 'number' || err === 0) return kk.next();
    return kk.update((s) => s.setIn(['flags', 'warn'], 'WARN_ON_ONCE(ret) in update_range_prot: split_kernel_leaf_mapping() failed')).ret(err);
  }),
  local('lazy_mmu_mode_enable()', (k) => k.call(lazy_mmu_mode_enable)),
  local('ret = walk_kernel_page_table_range_lockless(start, start + size, &pageattr_ops, &data)', (k) =>
    k.call(walk_kernel_page_table_range_lockless, { start: k.num('start'), end: k.num('end'), ...masksOf(k) }),
  ),
  local('lazy_mmu_mode_disable()', (k) => {
    const [err, kk] = k.takeRet();
    return kk.setLocal('err', err ?? 0).call(lazy_mmu_mode_disable);
  }),
  local('return ret', (k) => k.ret(k.num('err'))),
]);

/** The leaf that maps `va` now, for the ghost record of a permission change. */
function leafAt(k: K, va: number): Desc | null {
  const slot = leafSlot(k, va);
  return slot && slot.entry && slot.entry.type !== 'table' ? slot.entry : null;
}

const PERM_BITS = [
  ['valid', 'PTE_VALID'],
  ['rdonly', 'PTE_RDONLY'],
  ['pxn', 'PTE_PXN'],
  ['poIndex', 'POIndex'],
] as const;

/**
 * Ghost check for invariant 11 (lost updates): the bits each returned permission change set
 * that no other change of an overlapping range touches must still be in every leaf of its
 * range. Two read-modify-write walks of one range lose one of them.
 */
function lostUpdates(k: K): { range: readonly [number, number]; bit: string; va: number }[] {
  const changes = k.s.prot_changes;
  const out: { range: readonly [number, number]; bit: string; va: number }[] = [];
  changes.forEach((c, i) => {
    if (!c.returned || c.old === null || c.new === null) return;
    for (const [field, bit] of PERM_BITS) {
      if (c.old.get(field) === c.new.get(field)) continue;
      const contested = changes.some(
        (o, j) => j !== i && o.start < c.end && c.start < o.end && o.old !== null && o.new !== null && o.old.get(field) !== o.new.get(field),
      );
      if (contested) continue;
      for (let va = c.start; va < c.end; va++) {
        const leaf = leafAt(k, va);
        if (leaf !== null && leaf.get(field) !== c.new.get(field)) out.push({ range: [c.start, c.end], bit, va });
      }
    }
  });
  return out;
}

/**
 * __change_memory_common(): update_range_prot(), then flush_tlb_kernel_range() unless the
 * change only sets PTE_VALID ("a non-valid entry cannot be cached in the TLB").
 */
export const __change_memory_common = kfunc(
  '__change_memory_common',
  'arch/arm64/mm/pageattr.c',
  [
    local('ret = update_range_prot(start, size, set_mask, clear_mask)', (k) => {
      const start = k.num('start');
      const end = k.num('end');
      const old = leafAt(k, start);
      const change = new ProtChange({ start, end, old, new: set_pageattr_masks(old, masksOf(k)), returned: false });
      // Which record is ours: two changes of one range may be in progress at once.
      k = k.setLocal('change', k.s.prot_changes.size).update((s) => s.set('prot_changes', s.prot_changes.push(change)));
      // Before seed 002's patch: apply_to_page_range() with a pte callback (model/kernel/apply_to_page_range.ts).
      const walker = k.knobs.pageattrWalker === 'pte-only' ? fnNamed('apply_to_page_range') : update_range_prot;
      return k.call(walker, { start, end, ...masksOf(k) });
    }),
    local('if (pgprot_val(set_mask) != PTE_VALID || pgprot_val(clear_mask)) flush_tlb_kernel_range(start, start + size)', (k) => {
      const [err, kk] = k.takeRet();
      k = kk.setLocal('err', err ?? 0);
      const m = masksOf(k);
      const onlySetsValid = m.m_valid === true && Object.keys(m).length === 1;
      const onlyMakesReadOnly = m.m_rdonly === true && Object.keys(m).length === 1;
      const elide = onlySetsValid || (onlyMakesReadOnly && k.knobs.tlbiElision === 'also-rw-to-ro');
      if (!elide) return k.call(flush_tlb_kernel_range, { start: k.num('start'), end: k.num('end') });
      const why = onlySetsValid
        ? 'the change only sets PTE_VALID (an invalid entry is never in the TLB)'
        : 'the change only sets PTE_RDONLY (tlbi-elision=also-rw-to-ro)';
      return k.skipped(`flush_tlb_kernel_range(start, start + size) for pages [${k.num('start')}, ${k.num('end')})`, why).next();
    }),
    local('return ret', (k) => {
      const me = k.num('change');
      k = k.update((s) => s.setIn(['prot_changes', me, 'returned'], true));
      k = k.observe({ kind: 'prot-change-return', range: [k.num('start'), k.num('end')], lost: lostUpdates(k) });
      return k.setLocal('change', undefined).ret(k.num('err'));
    }),
  ],
  { inline: true },
);

/**
 * The pages of the vmalloc area covering [start, end): find_vm_area() in the model is "every page
 * of the range is in the vmalloc region and mapped by a pte" (an area allocated with VM_ALLOC,
 * not VM_ALLOW_HUGE_VMAP). Returns the physical pages (area->pages[]), or null (no such area).
 */
function vmAllocArea(k: K, start: number, end: number): number[] | null {
  const g = k.env.geometry;
  const pages: number[] = [];
  for (let va = start; va < end; va++) {
    if (regionOf(g, va) !== 'vmalloc') return null;
    const slot = leafSlot(k, va);
    if (!slot || slot.level !== 3 || slot.entry === null || slot.entry.type !== 'page') return null;
    pages.push(slot.entry.out);
  }
  return pages;
}

/**
 * change_memory_common() (arch/arm64/mm/pageattr.c), the body of set_memory_ro/rw/x/nx():
 *
 *   area = find_vm_area((void *)addr);
 *   if (!area || end > area->addr + area->size || (area->flags & (VM_ALLOC | VM_ALLOW_HUGE_VMAP)) != VM_ALLOC)
 *       return -EINVAL;
 *   if (rodata_full && (set_mask == PTE_RDONLY || clear_mask == PTE_RDONLY))
 *       for (i = 0; i < area->nr_pages; i++)
 *           __change_memory_common((u64)page_address(area->pages[start_page + i]), PAGE_SIZE, set_mask, clear_mask);
 *   vm_unmap_aliases();
 *   return __change_memory_common(addr, size, set_mask, clear_mask);
 *
 * So set_memory_*() refuses a linear-map address; a linear-map permission change goes through a
 * vmalloc area whose linear alias is updated page by page (the return values of those updates
 * are ignored), or through set_direct_map_*(). vm_unmap_aliases() (the lazy vmap purge) is not
 * modelled.
 */
export const change_memory_common = kfunc('change_memory_common', 'arch/arm64/mm/pageattr.c', [
  local('area = find_vm_area(addr); if (!area || ... != VM_ALLOC) return -EINVAL', (k) => {
    const pages = vmAllocArea(k, k.num('start'), k.num('end'));
    if (pages === null) return k.ret(EINVAL);
    const m = masksOf(k);
    const rdonlyOnly = typeof m.m_rdonly === 'boolean' && Object.keys(m).length === 1;
    // The alias pages still to update, as a comma-separated list in a local.
    const alias = k.knobs.rodataFull && rdonlyOnly ? pages.join(',') : '';
    return k.setLocal('alias_pages', alias).next();
  }),
  local(
    'if (rodata_full && ...) __change_memory_common(page_address(area->pages[i]), PAGE_SIZE, set_mask, clear_mask)',
    (k) => {
      const [, kk] = k.takeRet(); // the alias update's return value is ignored
      const left = String(kk.local('alias_pages') ?? '');
      if (left === '') return kk.setLocal('alias_pages', undefined).goto('done');
      const [first, ...rest] = left.split(',').map(Number);
      const va = linearAlias(kk.env.geometry, first);
      return kk.setLocal('alias_pages', rest.join(',')).call(__change_memory_common, { start: va, end: va + 1, ...masksOf(kk) });
    },
    { name: 'alias' },
  ),
  local('(next page of the area)', (k) => k.goto('alias')),
  local(
    'vm_unmap_aliases(); return __change_memory_common(addr, size, set_mask, clear_mask)',
    (k) => k.call(__change_memory_common, { start: k.num('start'), end: k.num('end'), ...masksOf(k) }),
    { name: 'done' },
  ),
  local('return ret', (k) => {
    const [err, kk] = k.takeRet();
    return kk.ret(err ?? 0);
  }),
]);

/** Pages of [start, end) (and `alias` pages' linear aliases) whose latest leaf lacks a requested bit. */
function notApplied(k: K, start: number, end: number, masks: Record<string, Value>): { va: number; bit: string }[] {
  const out: { va: number; bit: string }[] = [];
  for (let va = start; va < end; va++) {
    const leaf = leafAt(k, va);
    const want = set_pageattr_masks(leaf, masks);
    if (leaf === null || want === null) continue;
    for (const [field, bit] of PERM_BITS) {
      const m = field === 'valid' ? masks.m_valid : field === 'rdonly' ? masks.m_rdonly : field === 'pxn' ? masks.m_pxn : masks.m_poindex;
      if (m === undefined) continue;
      // An invalid block that is not present is a pte hole to the walker: its valid bit is what software sees.
      if (leaf.get(field) !== m) out.push({ va, bit: `${bit}${typeof m === 'boolean' ? (m ? ' set' : ' clear') : ` = ${m}`}` });
    }
  }
  return out;
}

/** A set_memory_*() entry point: `via` is change_memory_common() or, for set_memory_valid() and set_memory_pkey(), __change_memory_common() directly. */
function setMemory(name: string, masks: (k: K) => Record<string, Value>, via: 'change_memory_common' | '__change_memory_common' = 'change_memory_common'): KFunction {
  return kfunc(name, 'arch/arm64/mm/pageattr.c', [
    local(`${via}(addr, PAGE_SIZE * numpages, set_mask, clear_mask)`, (k) =>
      k.call(via === 'change_memory_common' ? change_memory_common : __change_memory_common, { start: k.num('start'), end: k.num('start') + k.num('numpages'), ...masks(k) }),
    ),
    local('return ret', (k) => {
      const [err, kk] = k.takeRet();
      const start = kk.num('start');
      const end = start + kk.num('numpages');
      const m = masks(kk);
      let missing = notApplied(kk, start, end, m);
      // change_memory_common() with rodata_full was also asked to change the pages' linear alias.
      const rdonlyOnly = typeof m.m_rdonly === 'boolean' && Object.keys(m).length === 1;
      if (via === 'change_memory_common' && rdonlyOnly && kk.knobs.rodataFull && err === 0) {
        for (const pa of vmAllocArea(kk, start, end) ?? []) {
          const va = linearAlias(kk.env.geometry, pa);
          missing = missing.concat(notApplied(kk, va, va + 1, m));
        }
      }
      const ret = typeof err === 'number' ? err : 0;
      return kk.observe({ kind: 'set-memory-return', call: name, ret, range: [start, end], notApplied: missing }).ret(ret);
    }),
  ]);
}

/** set_memory_pkey() (kpkeys): on linear-map addresses (page-table pages), straight to __change_memory_common(). */
export const set_memory_pkey = setMemory('set_memory_pkey', (k) => ({ m_poindex: k.num('pkey') }), '__change_memory_common');
export const set_memory_ro = setMemory('set_memory_ro', () => ({ m_rdonly: true }));
export const set_memory_rw = setMemory('set_memory_rw', () => ({ m_rdonly: false }));
/** set_memory_valid(): KFENCE and debug_pagealloc use it on the linear map; no VM_ALLOC check. */
export const set_memory_valid = setMemory('set_memory_valid', (k) => ({ m_valid: !!k.local('enable') }), '__change_memory_common');
/** set_memory_x(): clear PTE_PXN (set PTE_MAYBE_GP). */
export const set_memory_x = setMemory('set_memory_x', () => ({ m_pxn: false }));
/** set_memory_nx(): set PTE_PXN (clear PTE_MAYBE_GP). */
export const set_memory_nx = setMemory('set_memory_nx', () => ({ m_pxn: true }));
