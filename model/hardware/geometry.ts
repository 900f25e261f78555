/**
 * The shape of the kernel page tables (swapper_pg_dir): 4K pages, four levels
 * pgd -> pud -> pmd -> pte (p4d folded, as with 48-bit VAs), blocks at pud and pmd,
 * contiguous runs of ptes and pmds.
 *
 * Abstraction: the real fan-out is 512 entries per table; the model uses a small `fanout`
 * (a parameter) so that every table fits in the state. VAs and PAs are page numbers. Kernel
 * VA space is split by pgd index into regions with the real regions' names; addresses are
 * shown as kernel-looking hex (`displayVa`) only in output.
 */

export interface Geometry {
  /** Entries per table at every level. */
  readonly fanout: number;
  /** Ptes in a contiguous run (CONT_PTES; 16 on real hardware). */
  readonly contPtes: number;
  /** Pmds in a contiguous run (CONT_PMDS). */
  readonly contPmds: number;
}

export const DEFAULT_GEOMETRY: Geometry = { fanout: 4, contPtes: 2, contPmds: 2 };

/** Levels as the architecture numbers them for 4K pages with 48-bit VAs. */
export type Level = 0 | 1 | 2 | 3;
export const LEVEL_NAMES = ['pgd', 'pud', 'pmd', 'pte'] as const;

/** Pages covered by one entry at `level`: a pgd entry covers fanout^3 pages, a pte one. */
export function pagesPerEntry(g: Geometry, level: Level): number {
  return g.fanout ** (3 - level);
}

/** Index of `va` in its table at `level` (pgd_index, pud_index, pmd_index, pte_index). */
export function tableIndex(g: Geometry, va: number, level: Level): number {
  return Math.floor(va / pagesPerEntry(g, level)) % g.fanout;
}

/** First VA of the entry at `level` that covers `va`. */
export function entryBase(g: Geometry, va: number, level: Level): number {
  const n = pagesPerEntry(g, level);
  return Math.floor(va / n) * n;
}

/** Kernel VA regions, one per pgd index. */
export const REGIONS = ['linear map', 'vmalloc', 'kernel image', 'fixmap'] as const;
export type Region = (typeof REGIONS)[number];

const REGION_DISPLAY_BASE: Record<Region, bigint> = {
  'linear map': 0xffff000000000000n,
  vmalloc: 0xffff800080000000n,
  'kernel image': 0xffff800081000000n,
  fixmap: 0xfffffbfffe000000n,
};

export function regionBase(g: Geometry, region: Region): number {
  return REGIONS.indexOf(region) * pagesPerEntry(g, 0);
}

export function regionOf(g: Geometry, va: number): Region {
  return REGIONS[Math.floor(va / pagesPerEntry(g, 0))] ?? 'fixmap';
}

/** The linear-map alias of physical page `pa` (__va / page_address / lm_alias). */
export function linearAlias(g: Geometry, pa: number): number {
  return regionBase(g, 'linear map') + pa;
}

/** A kernel-looking virtual address for output: region base + page offset + byte offset. */
export function displayVa(g: Geometry, va: number, byteOffset = 0): string {
  const region = regionOf(g, va);
  const off = BigInt(va - regionBase(g, region)) * 0x1000n + BigInt(byteOffset);
  return (REGION_DISPLAY_BASE[region] + off).toString(16).padStart(16, '0');
}

/** Byte offset of entry `index` in a table page (8-byte descriptors). */
export function entryOffset(index: number): number {
  return index * 8;
}
