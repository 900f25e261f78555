/**
 * Boot-time page tables for a scenario: swapper_pg_dir, the linear map of every page
 * (including the page-table pages, whose linear alias carries pkey PGTABLES), and whatever
 * else the scenario maps (a vmalloc area, the kernel image...).
 */
import { List, Map as IMap } from 'immutable';
import { Desc, tableDesc, type Entry } from '../hardware/descriptor.ts';
import { entryBase, linearAlias, pagesPerEntry, REGIONS, regionBase, regionOf, tableIndex, LEVEL_NAMES, type Geometry, type Level } from '../hardware/geometry.ts';
import { Memory } from '../hardware/memory.ts';
import { KPKEYS_PKEY_DEFAULT, KPKEYS_PKEY_PGTABLES } from '../hardware/pkeys.ts';
import type { Layout } from '../kernel/env.ts';
import type { PageRole } from '../kernel/state.ts';

export interface LeafAttrs {
  readonly level?: 1 | 2 | 3;
  readonly rdonly?: boolean;
  readonly pxn?: boolean;
  readonly cont?: boolean;
  readonly poIndex?: number;
  readonly valid?: boolean;
}

export class Boot {
  private nextPage = 0;
  readonly names = new Map<number, string>();
  /** Pages mapped somewhere besides the linear map (a vmalloc area, the kernel image): in use. */
  readonly mappedElsewhere = new Set<number>();
  private readonly tables = new Map<number, Entry[]>();
  private readonly pgtables = new Set<number>();
  readonly root: number;

  constructor(
    readonly geometry: Geometry,
    /** Physical pages in the machine; all of them get a linear alias. */
    readonly totalPages: number,
  ) {
    this.root = this.table('swapper_pg_dir');
  }

  /** Allocates a physical page. */
  alloc(name: string): number {
    if (this.nextPage >= this.totalPages) throw new Error(`boot: out of pages (${this.totalPages}) allocating ${name}`);
    const p = this.nextPage++;
    this.names.set(p, name);
    return p;
  }

  /** Allocates a page-table page. */
  table(name: string): number {
    const p = this.alloc(name);
    this.tables.set(p, new Array<Entry>(this.geometry.fanout).fill(null));
    this.pgtables.add(p);
    return p;
  }

  /** Marks a page as a page table that is not part of swapper_pg_dir (a user mm's pgd). */
  userPgd(name: string): number {
    const p = this.table(name);
    return p;
  }

  /** The table (and index in it) that holds the entry for `va` at `level`, creating tables as needed. */
  slot(va: number, level: 1 | 2 | 3 = 3): { table: number; index: number } {
    const g = this.geometry;
    let table = this.root;
    for (let l = 0 as Level; l < level; l = (l + 1) as Level) {
      const i = tableIndex(g, va, l);
      const e = this.tables.get(table)![i];
      if (e === null) {
        const child = this.table(`${regionOf(g, va)} ${LEVEL_NAMES[l + 1]} table @${entryBase(g, va, l)}`);
        this.tables.get(table)![i] = tableDesc(child);
        table = child;
      } else {
        if (e.type !== 'table') throw new Error(`boot: va ${va} is mapped by a ${e.type} at level ${l}`);
        table = e.out;
      }
    }
    return { table, index: tableIndex(g, va, level) };
  }

  /** Maps `va` to `pa` with a leaf at `attrs.level` (default: a pte), creating tables as needed. */
  map(va: number, pa: number, attrs: LeafAttrs = {}): void {
    const g = this.geometry;
    if (regionOf(g, va) !== 'linear map') this.mappedElsewhere.add(pa);
    const leafLevel = attrs.level ?? 3;
    let table = this.root;
    for (let level = 0 as Level; level < leafLevel; level = (level + 1) as Level) {
      const i = tableIndex(g, va, level);
      const e = this.tables.get(table)![i];
      if (e === null) {
        const base = entryBase(g, va, level);
        const child = this.table(`${regionOf(g, va)} ${LEVEL_NAMES[level + 1]} table @${base}`);
        this.tables.get(table)![i] = tableDesc(child);
        table = child;
      } else {
        if (e.type !== 'table') throw new Error(`boot: va ${va} already mapped by a ${e.type} at level ${level}`);
        table = e.out;
      }
    }
    const i = tableIndex(g, va, leafLevel);
    this.tables.get(table)![i] = new Desc({
      valid: attrs.valid ?? true,
      type: leafLevel === 3 ? 'page' : 'block',
      out: pa,
      rdonly: attrs.rdonly ?? false,
      pxn: attrs.pxn ?? true,
      cont: attrs.cont ?? false,
      poIndex: attrs.poIndex ?? KPKEYS_PKEY_DEFAULT,
    });
  }

  /**
   * The linear map of every physical page, at pte level unless `blocks` allows a block for an
   * aligned run with no page-table page in it. `attrs(pa)` overrides a page's attributes;
   * returning null leaves it unmapped. Call after every page is allocated: tables this
   * allocates are mapped too.
   */
  mapLinear(opts: { blocks?: (pa: number) => boolean; attrs?: (pa: number) => LeafAttrs | null } = {}): void {
    const g = this.geometry;
    const per = pagesPerEntry(g, 2);
    // Reserve the linear map's own tables first, so that they exist (and are pgtables) before mapping.
    let pa = 0;
    while (pa < this.totalPages) {
      const runStart = pa;
      const blockOk = opts.blocks && runStart % per === 0 && runStart + per <= this.totalPages && opts.blocks(runStart);
      if (blockOk) {
        const a = opts.attrs?.(runStart);
        if (a !== null) this.map(linearAlias(g, runStart), runStart, { ...a, level: 2 });
        pa += per;
        continue;
      }
      const a = opts.attrs?.(pa);
      if (a !== null) this.map(linearAlias(g, pa), pa, { ...a, level: 3 });
      pa++;
    }
    // Pages allocated while mapping (linear-map tables) sit beyond what was mapped only if the
    // pool was not exhausted; they are below totalPages, so already covered above.
  }

  /** Tags the linear alias of every page-table page with pkey PGTABLES (kpkeys_pgtable_alloc). */
  private tagPgtables(): void {
    const g = this.geometry;
    for (const p of this.pgtables) {
      const va = linearAlias(g, p);
      let table = this.root;
      for (let level = 0 as Level; level <= 3; level = (level + 1) as Level) {
        const i = tableIndex(g, va, level);
        const e = this.tables.get(table)![i];
        if (e === null) break;
        if (e.type === 'table') {
          table = e.out;
          continue;
        }
        if (e.type === 'block') throw new Error(`boot: page-table page ${p} is block-mapped in the linear map`);
        this.tables.get(table)![i] = e.set('poIndex', KPKEYS_PKEY_PGTABLES);
        break;
      }
    }
  }

  finish(extra: Partial<Omit<Layout, 'root' | 'pageNames'>> = {}): { memory: Memory; layout: Layout; roles: IMap<number, PageRole> } {
    this.tagPgtables();
    let tables = IMap<number, List<Entry>>();
    for (const [p, entries] of this.tables) tables = tables.set(p, List(entries));
    const g = this.geometry;
    const layout: Layout = {
      root: this.root,
      pageNames: new Map(this.names),
      mappedElsewhere: new Set(this.mappedElsewhere),
      tableVa: extra.tableVa ?? ((page) => linearAlias(g, page)),
      textPages: extra.textPages ?? [],
      unmappedAliasPages: extra.unmappedAliasPages ?? [],
      vas: extra.vas ?? new Map(),
    };
    let roles = IMap<number, PageRole>();
    for (const p of this.pgtables) roles = roles.set(p, 'pgtable');
    return { memory: new Memory({ tables }), layout, roles };
  }
}

/**
 * A vmalloc area over `pages` (module memory from execmem, or a vmap()): maps them at consecutive
 * VAs from the start of the vmalloc region and returns the first. set_memory_ro/rw/x/nx() only
 * accept such an area (change_memory_common()'s VM_ALLOC check); with rodata_full they also
 * update the linear alias of each page.
 */
export function vmallocArea(boot: Boot, pages: readonly number[]): number {
  const base = regionBase(boot.geometry, 'vmalloc');
  pages.forEach((pa, i) => boot.map(base + i, pa));
  return base;
}

export { REGIONS };
