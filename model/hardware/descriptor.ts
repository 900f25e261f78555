/**
 * Stage-1 translation table descriptors (arch/arm64/include/asm/pgtable-hwdef.h).
 *
 * An invalid entry is `null` (all zero: pte_none). A valid one is a table descriptor
 * (levels 0-2), a block (levels 1-2: pud/pmd leaves) or a page (level 3). Only the bits the
 * model reasons about are fields; `encode` rebuilds the 64-bit value for kernel-style output.
 */
import { FastRecord } from '../fast-record.ts';

export type DescType = 'table' | 'block' | 'page';

export interface DescFields {
  /** PTE_VALID. An entry with other bits but not this one (set_memory_valid(.., 0)) is invalid. */
  readonly valid: boolean;
  readonly type: DescType;
  /** Output address: the next table's page, or the first page the leaf maps. */
  readonly out: number;
  /** AP[2]: PTE_RDONLY. */
  readonly rdonly: boolean;
  /** PTE_PXN: not executable at EL1. */
  readonly pxn: boolean;
  /** PTE_CONT: part of a contiguous run. */
  readonly cont: boolean;
  /** POIndex, bits 62:60: the pkey whose POR_EL1 field overlays accesses. */
  readonly poIndex: number;
}

export class Desc extends FastRecord<DescFields>(
  { valid: true, type: 'page', out: 0, rdonly: false, pxn: true, cont: false, poIndex: 0 },
  'Desc',
) {}

/** An entry: `null` is pte_none (all zero). */
export type Entry = Desc | null;

/** The walker translates through this entry (PTE_VALID set). */
export function isValid(e: Entry): e is Desc {
  return e !== null && e.valid;
}

export function tableDesc(out: number): Desc {
  return new Desc({ type: 'table', out, pxn: false });
}

/** A valid block or page descriptor. */
export function isLeaf(e: Entry): boolean {
  return e !== null && e.valid && e.type !== 'table';
}

/** PROT_NORMAL-like attributes, as in the seed splat's `pte=10e80008ffbbb707`. */
const PTE_VALID = 1n << 0n;
const PTE_TABLE_OR_PAGE = 1n << 1n;
const PTE_ATTRINDX_NORMAL = 1n << 2n;
const PTE_RDONLY = 1n << 7n;
const PTE_SHARED = 3n << 8n;
const PTE_AF = 1n << 10n;
const PTE_DBM = 1n << 51n; // PTE_WRITE
const PTE_CONT = 1n << 52n;
const PTE_PXN = 1n << 53n;
const PTE_UXN = 1n << 54n;
const PTE_DIRTY = 1n << 55n;
const PMD_TABLE_PXN = 1n << 59n;
const PMD_TABLE_UXN = 1n << 60n;

/** The 64-bit descriptor value; `toPa` maps a model page to a physical page frame number. */
export function encode(e: Entry, toPfn: (page: number) => bigint = BigInt): bigint {
  if (e === null) return 0n;
  const oa = toPfn(e.out) << 12n;
  const valid = e.valid ? PTE_VALID : 0n;
  // Kernel table descriptors carry AF and PXNTable/UXNTable, as in the seed splat's pud=18000008ffa2d403.
  if (e.type === 'table') return oa | valid | PTE_TABLE_OR_PAGE | PTE_AF | PMD_TABLE_PXN | PMD_TABLE_UXN;
  let v = oa | valid | PTE_ATTRINDX_NORMAL | PTE_SHARED | PTE_AF | PTE_UXN | PTE_DIRTY;
  if (e.type === 'page') v |= PTE_TABLE_OR_PAGE;
  if (e.rdonly) v |= PTE_RDONLY;
  else v |= PTE_DBM;
  if (e.cont) v |= PTE_CONT;
  if (e.pxn) v |= PTE_PXN;
  v |= BigInt(e.poIndex & 7) << 60n;
  return v;
}

/** `page(RW pkey1 pa7)`, `invalid block(RO CONT pkey0 pa4)`, `table(pa3)`, `none`: an entry in traces. */
export function describeEntry(e: Entry): string {
  if (e === null) return 'none';
  const inv = e.valid ? '' : 'invalid ';
  if (e.type === 'table') return `${inv}table(pa${e.out})`;
  return `${inv}${e.type}(${e.rdonly ? 'RO' : 'RW'}${e.pxn ? '' : ' X'}${e.cont ? ' CONT' : ''} pkey${e.poIndex} pa${e.out})`;
}

/** Permission bits of a leaf, for "old or new permission" comparisons. */
export interface Perm {
  readonly rdonly: boolean;
  readonly pxn: boolean;
  readonly poIndex: number;
}

export function permOf(e: Desc): Perm {
  return { rdonly: e.rdonly, pxn: e.pxn, poIndex: e.poIndex };
}

export function samePerm(a: Perm, b: Perm): boolean {
  return a.rdonly === b.rdonly && a.pxn === b.pxn && a.poIndex === b.poIndex;
}
