/**
 * The direct-map helpers of arch/arm64/mm/pageattr.c that hibernation uses: kernel_page_present(),
 * set_direct_map_default_noflush() and set_direct_map_invalid_noflush().
 *
 * kernel_page_present() is a software walk of swapper_pg_dir. Before Ryan Roberts' "arm64: mm:
 * Handle invalid large leaf mappings correctly" (invalidLeafEncoding 'clear-valid') it tests
 * pud_sect()/pmd_sect(), which need PTE_VALID: on a block whose PTE_VALID was cleared it falls
 * through to pte_offset_kernel() and reads the block's output page *as a pte table*, through
 * that page's linear alias, which the invalid block itself unmaps. After the fix
 * ('present-invalid') it tests p[mu]d_leaf() and returns p[mu]d_valid().
 *
 * Abstractions: can_set_direct_map() is true (rodata=full); the pgd/pud/pmd loads are software
 * reads of the latest tables (as ptep_get() elsewhere in the model); the pte load is an access
 * through the MMU, since that is the one that can fault.
 */
import { linearAlias, tableIndex, type Level } from '../hardware/geometry.ts';
import { readEntry } from '../hardware/memory.ts';
import { event, kfunc, local, type K } from './exec.ts';
import { kernelAccess } from './hw.ts';
import { apply_to_page_range, pmdLeaf } from './apply_to_page_range.ts';
import { update_range_prot } from './pageattr.ts';

/** The page-table page kernel_page_present() reads as the pte table of `addr`, and why. */
type PresentWalk = { done: boolean } | { table: number; index: number; what: string; bogus: boolean };

function presentWalk(k: K, addr: number): PresentWalk {
  const g = k.env.geometry;
  const mem = k.s.memory;
  const names = k.env.layout.pageNames;
  let table = k.env.layout.root;
  for (let level = 0 as Level; level < 3; level = (level + 1) as Level) {
    const e = readEntry(mem, table, tableIndex(g, addr, level));
    // pgd_none() / pud_none() / pmd_none(): return false.
    if (e === null) return { done: false };
    if (e.type === 'table') {
      table = e.out;
      continue;
    }
    if (level === 0) throw new Error('kernel_page_present: a block at pgd level');
    // A block (pud or pmd).
    if (k.knobs.invalidLeafEncoding === 'present-invalid' && pmdLeaf(k, e)) return { done: e.valid }; // if (pmd_leaf(pmd)) return pmd_valid(pmd);
    if (e.valid) return { done: true }; // if (pmd_sect(pmd)) return true;
    // Not none, not a section: taken for a table. pud: pmd_offset(); pmd: pte_offset_kernel().
    const what = `${names.get(e.out) ?? `page ${e.out}`} (the output page of an invalid ${level === 1 ? 'PUD' : 'PMD'} block, read as a page table)`;
    return { table: e.out, index: tableIndex(g, addr, (level + 1) as Level), what, bogus: true };
  }
  return { table, index: tableIndex(g, addr, 3), what: `the pte table of ${names.get(k.num('page')) ?? `page ${k.num('page')}`}`, bogus: false };
}

/** kernel_page_present(page): is the linear alias of `page` valid? Returns a boolean. */
export const kernel_page_present = kfunc('kernel_page_present', 'arch/arm64/mm/pageattr.c', [
  local('pgdp = pgd_offset_k(addr); pudp = pud_offset(pgdp, addr); pmdp = pmd_offset(pudp, addr); (pud_sect/pmd_sect or pud_leaf/pmd_leaf)', (k) => {
    const w = presentWalk(k, linearAlias(k.env.geometry, k.num('page')));
    if ('done' in w) return k.ret(w.done);
    return k.setLocals({ pt_table: w.table, pt_index: w.index, pt_what: w.what, pt_bogus: w.bogus }).next();
  }),
  event('ptep = pte_offset_kernel(pmdp, addr); return pte_valid(__ptep_get(ptep))', (k) => {
    const table = k.num('pt_table');
    const index = k.num('pt_index');
    const bogus = k.local('pt_bogus') === true;
    const va = linearAlias(k.env.geometry, table);
    k = k.setLocals({ pt_table: undefined, pt_index: undefined, pt_bogus: undefined });
    return kernelAccess(k, va, 'read', { what: String(k.local('pt_what')) }).flatMap((o) => {
      const kk = o.k.setLocal('pt_what', undefined);
      if (kk.s.oops) return [{ label: o.label, k: kk.ret(false) }];
      if (!bogus) {
        const e = readEntry(kk.s.memory, table, index);
        return [{ label: o.label, k: kk.ret(e !== null && e.valid) }];
      }
      // Data read as a descriptor: any value.
      const sep = o.label ? `${o.label}, ` : '';
      return [
        { label: `${sep}the data reads as a valid pte`, k: kk.ret(true) },
        { label: `${sep}the data reads as an invalid pte`, k: kk.ret(false) },
      ];
    });
  }),
]);

/** The walker set_direct_map_*() use: update_range_prot(), or apply_to_page_range() before seed 002. */
function directMap(name: string, line: string, masks: Record<string, boolean>) {
  return kfunc(name, 'arch/arm64/mm/pageattr.c', [
    local(line, (k) => {
      const start = linearAlias(k.env.geometry, k.num('page'));
      const walker = k.knobs.pageattrWalker === 'pte-only' ? apply_to_page_range : update_range_prot;
      return k.call(walker, { start, end: start + 1, ...masks });
    }),
    local('return ret', (k) => {
      const [err, kk] = k.takeRet();
      return kk.ret(err ?? 0);
    }),
  ]);
}

/** set_direct_map_default_noflush(page): set PTE_VALID | PTE_WRITE, clear PTE_RDONLY (PAGE_KERNEL). */
export const set_direct_map_default_noflush = directMap(
  'set_direct_map_default_noflush',
  'return update_range_prot((unsigned long)page_address(page), PAGE_SIZE, __pgprot(PTE_VALID | PTE_WRITE), __pgprot(PTE_RDONLY))',
  { m_valid: true, m_rdonly: false },
);

/** set_direct_map_invalid_noflush(page): clear PTE_VALID; the caller flushes the TLB. */
export const set_direct_map_invalid_noflush = directMap(
  'set_direct_map_invalid_noflush',
  'return update_range_prot((unsigned long)page_address(page), PAGE_SIZE, __pgprot(0), __pgprot(PTE_VALID))',
  { m_valid: false },
);
