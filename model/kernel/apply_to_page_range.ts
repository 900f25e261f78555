/**
 * The pte-only pageattr walker: set_memory_*() before seed 002's patch (and before commit
 * a166563e7ec37 "arm64: mm: support large block mapping when rodata=full"), where
 * __change_memory_common() was
 *
 *   ret = apply_to_page_range(&init_mm, start, size, change_page_range, &data);
 *
 * apply_to_page_range() (mm/memory.c) walks down to the pte tables and calls the callback on
 * every pte; it cannot rewrite a block: apply_to_pud_range()/apply_to_pmd_range() have
 *
 *   if (WARN_ON_ONCE(pmd_leaf(*pmd)))
 *           return -EINVAL;
 *
 * which is what Ard Biesheuvel means in seed 001 by "set_memory_valid() only works on regions
 * that are mapped down to pages": the change is not made, the caller gets -EINVAL and the
 * kernel a WARN (recorded in the state as flags.warn).
 *
 * Locals: `start`, `end` (pages) and the masks m_valid/m_rdonly/m_pxn/m_poindex (masksOf).
 *
 * Abstractions: `create` is true (apply_to_page_range, not apply_to_existing_page_range), but
 * the model never needs an allocation: a pXd_none entry, or a pXd_bad one (an invalid block
 * whose PTE_VALID alone was cleared, which pmd_clear_bad() would wipe and replace with a fresh
 * pte table), are outside what the scenarios reach and stop the run with an error.
 */
import type { Desc, Entry } from '../hardware/descriptor.ts';
import { entryBase, pagesPerEntry } from '../hardware/geometry.ts';
import { event, kfunc, local, type K } from './exec.ts';
import { leafSlot, ptep_get } from './hw.ts';
import { __set_pte, writeArgs } from './kpkeys.ts';
import { lazy_mmu_mode_disable, lazy_mmu_mode_enable } from './lazy_mmu.ts';
import { masksOf, set_pageattr_masks } from './pageattr.ts';

const EINVAL = -22;

/**
 * pud_leaf()/pmd_leaf(): `pXd_present(pXd) && !pXd_table(pXd)`. A valid block is a leaf; an
 * invalid one only if it is present-invalid (PTE_PRESENT_INVALID, invalidLeafEncoding).
 */
export function pmdLeaf(k: K, e: Entry): e is Desc {
  if (e === null || e.type !== 'block') return false;
  return e.valid || k.knobs.invalidLeafEncoding === 'present-invalid';
}

/**
 * change_page_range() (arch/arm64/mm/pageattr.c before seed 002's patch): the pte callback.
 * Locals: `table`, `index`, `req_start`, `req_end` and the masks.
 */
export const change_page_range = kfunc('change_page_range', 'arch/arm64/mm/pageattr.c', [
  event('pte_t pte = __ptep_get(ptep)', (k) => k.setLocal('val', ptep_get(k, k.num('table'), k.num('index'))).next()),
  local('pte = clear_pte_bit(pte, cdata->clear_mask); pte = set_pte_bit(pte, cdata->set_mask); __set_pte(ptep, pte)', (k) => {
    const old = (k.local('val') ?? null) as Entry;
    k = k.setLocal('val', undefined);
    return k.call(
      __set_pte,
      writeArgs({
        table: k.num('table'),
        index: k.num('index'),
        level: 3,
        value: set_pageattr_masks(old, masksOf(k)),
        req_start: k.num('req_start'),
        req_end: k.num('req_end'),
      }),
    );
  }),
  local('return 0', (k) => k.ret(0)),
]);

/**
 * apply_to_page_range(&init_mm, addr, size, fn, data) -> __apply_to_page_range(.., create=true):
 * pgd -> p4d -> pud -> pmd -> pte, one pte table at a time. The pud/pmd levels are a software
 * walk of the latest tables (local); each pte is read and written by change_page_range().
 */
export const apply_to_page_range = kfunc('apply_to_page_range', 'mm/memory.c', [
  local(
    'apply_to_pud_range()/apply_to_pmd_range(): if (WARN_ON_ONCE(pXd_leaf(*pXd))) return -EINVAL; else apply_to_pte_range()',
    (k) => {
      const g = k.env.geometry;
      const addr = typeof k.local('addr') === 'number' ? k.num('addr') : k.num('start');
      const end = k.num('end');
      if (addr >= end) return k.ret(0);
      const slot = leafSlot(k, addr);
      if (!slot) throw new Error(`apply_to_page_range: nothing at ${addr}`);
      if (slot.level === 3) {
        // The pte table of addr: apply_to_pte_range() over [addr, min(end, pmd_addr_end(addr))).
        const tableEnd = entryBase(g, addr, 2) + pagesPerEntry(g, 2);
        const count = Math.min(end, tableEnd) - addr;
        return k.setLocals({ addr, table: slot.table, index: slot.index, count }).call(lazy_mmu_mode_enable);
      }
      const name = slot.level === 1 ? 'pud' : 'pmd';
      if (pmdLeaf(k, slot.entry)) {
        const warn = `WARN_ON_ONCE(${name}_leaf(*${name})) in apply_to_${name}_range`;
        return k.update((s) => s.setIn(['flags', 'warn'], warn)).ret(EINVAL);
      }
      // pXd_none() with create: __pte_alloc(); pXd_bad(): WARN, pXd_clear_bad(), then allocate.
      throw new Error(
        `apply_to_page_range: ${slot.entry === null ? `${name}_none` : `${name}_bad (an invalid block with PTE_VALID cleared)`} at ${addr} would allocate a page table: not modelled`,
      );
    },
    { name: 'walk' },
  ),
  local(
    'if (create || !pte_none(ptep_get(pte))) err = fn(pte, addr, data)',
    (k) =>
      k.call(change_page_range, {
        table: k.num('table'),
        index: k.num('index'),
        req_start: k.num('start'),
        req_end: k.num('end'),
        ...masksOf(k),
      }),
    { name: 'pte' },
  ),
  local('while (pte++, addr += PAGE_SIZE, addr != end)', (k) => {
    const [, kk] = k.takeRet();
    const left = kk.num('count') - 1;
    k = kk.setLocals({ addr: kk.num('addr') + 1, index: kk.num('index') + 1, count: left });
    return left > 0 ? k.goto('pte') : k.next();
  }),
  local('lazy_mmu_mode_disable()', (k) => k.setLocals({ table: undefined, index: undefined, count: undefined }).call(lazy_mmu_mode_disable)),
  local('} while (pmd++, addr = next, addr != end)', (k) => k.goto('walk')),
]);
