/**
 * The MMU's check of one kernel access, in the architecture's order: translation (TLB lookup,
 * or a walk that may fault with a translation fault), then the AP/PXN permission check, then
 * the permission overlay check of POR_EL1[POIndex]. Faults carry what the kernel prints
 * (arch/arm64/mm/fault.c: __do_kernel_fault, ESR decoding).
 *
 * What the Arm ARM (DDI 0487) lets the TLB do, and the model does:
 * - D8.16 "Translation Lookaside Buffers", "TLB behavior": a TLB may allocate any translation
 *   the tables give at any time (speculative walks). An access that hits a cached entry may
 *   therefore also find the entry a walk would give now, cached beside the old one: each access
 *   that hits has that outcome too, when the walk gives an entry the TLB does not hold.
 * - D8.16 "TLB conflict aborts" and FEAT_BBM (Armv8.4, "Translation table break-before-make
 *   levels" 0, 1 and 2): when a lookup finds entries of different sizes or output
 *   addresses for one VA, levels 0, 1 and 2 may raise a TLB conflict abort, or use either entry;
 *   with BBML2_NOABORT (`2-noabort`, what the kernel's
 *   has_bbml2_noabort() in arch/arm64/kernel/cpufeature.c requires before splitting live
 *   mappings) there is no abort and a lookup uses one of the entries. Entries differing only in
 *   permissions never abort: either is used.
 * - "The Contiguous bit", "Misprogramming of the Contiguous bit" (D8.6 in current issues of DDI
 *   0487; D4-1762 in issue A.k, as arch/arm64/mm/hugetlbpage.c cites it): when the entries of a
 *   contiguous run disagree, the outcome is CONSTRAINED UNPREDICTABLE: the translation (output
 *   address and attributes) of any entry of the run, or, when output addresses disagree, a TLB
 *   conflict abort. A walk through a CONT entry therefore caches the run with the bits of any
 *   valid CONT entry of the run the walker may see.
 * - Walk cache: a walk fills the table descriptors it went through; a later walk of a VA they
 *   cover starts from the deepest cached table (tlb.ts).
 */
import type { List } from 'immutable';
import { isValid, type Desc } from './descriptor.ts';
import { pagesPerEntry, type Geometry, type Level } from './geometry.ts';
import { entryKey, walkerViews, type Memory } from './memory.ts';
import { rawOf } from '../kernel/footprint.ts';
import { por_permits, type Access } from './pkeys.ts';
import { tlbEntryFor, tlbFill, tlbHitsConflict, tlbLookup, tlbPa, walkCacheLookup, walkEntryFor, type TlbEntry } from './tlb.ts';
import { walkOutcomes, type WalkResult, type WalkStep } from './walk.ts';

/** FEAT_BBM support: level 0, 1, 2, or 2 with the kernel's BBML2_NOABORT guarantee. */
export type BbmLevel = '0' | '1' | '2' | '2-noabort';
export const BBM_LEVELS: readonly BbmLevel[] = ['0', '1', '2', '2-noabort'];

export interface Fault {
  /** 'tlb-conflict': a TLB conflict abort (ESR FSC 0x30). */
  readonly type: 'translation' | 'permission' | 'tlb-conflict';
  readonly level: Level;
  /** Permission fault raised by the overlay check (ESR ISS2.Overlay). */
  readonly overlay: boolean;
  readonly access: Access;
  readonly va: number;
  /** The entries the walk read, for the "pgd=… pte=…" line (empty on a TLB hit). */
  readonly steps: readonly WalkStep[];
}

export interface Granted {
  readonly rdonly: boolean;
  readonly pxn: boolean;
  readonly poIndex: number;
}

export type AccessResult =
  | { readonly ok: true; readonly pa: number; readonly via: 'tlb' | 'walk'; readonly perm: Granted; readonly steps: readonly WalkStep[] }
  | { readonly ok: false; readonly fault: Fault; readonly via: 'tlb' | 'walk'; readonly perm?: Granted };

export interface AccessOutcome {
  readonly result: AccessResult;
  /** The CPU's TLB after the access (a walk fills it). */
  readonly tlb: List<TlbEntry>;
  /** The walk read a value that a later store has replaced but not yet published. */
  readonly sawStale: boolean;
  /** What the hardware did, for action labels when an access has several outcomes. */
  readonly how: string;
}

export interface MmuContext {
  readonly geometry: Geometry;
  readonly memory: Memory;
  /** swapper_pg_dir's page. */
  readonly root: number;
  readonly tlb: List<TlbEntry>;
  /** The accessing CPU's live POR_EL1. */
  readonly por: number;
  /** The accessing CPU (whose walker may lag without FEAT_ETS2: memory.ts). */
  readonly cpu?: number;
  /** FEAT_BBM support (default '0'). */
  readonly bbm?: BbmLevel;
}

function permissionCheck(perm: Granted, access: Access, por: number): { ok: true } | { ok: false; overlay: boolean } {
  if (access === 'write' && perm.rdonly) return { ok: false, overlay: false };
  if (access === 'exec' && perm.pxn) return { ok: false, overlay: false };
  if (!por_permits(por, perm.poIndex, access)) return { ok: false, overlay: true };
  return { ok: true };
}

function grantedOf(leaf: Desc | TlbEntry): Granted {
  return { rdonly: leaf.rdonly, pxn: leaf.pxn, poIndex: leaf.poIndex };
}

/** The result of using one translation (cached or just walked) for the access. */
function use(e: TlbEntry, va: number, access: Access, por: number, via: 'tlb' | 'walk', steps: readonly WalkStep[]): AccessResult {
  const perm = grantedOf(e);
  const check = permissionCheck(perm, access, por);
  return check.ok
    ? { ok: true, pa: tlbPa(e, va), via, perm, steps }
    : { ok: false, via, perm, fault: { type: 'permission', level: e.level, overlay: check.overlay, access, va, steps } };
}

function conflictAbort(va: number, level: Level, access: Access, via: 'tlb' | 'walk', steps: readonly WalkStep[]): AccessResult {
  return { ok: false, via, fault: { type: 'tlb-conflict', level, overlay: false, access, va, steps } };
}

/**
 * The TLB entries a successful walk may allocate for `va`: its own leaf, and for a CONT leaf
 * the run as decoded from any valid CONT entry of the run (misprogramming of the Contiguous bit); `misprogrammed`
 * when those disagree on the output address.
 */
export function walkedEntries(g: Geometry, mem: Memory, w: Extract<WalkResult, { ok: true }>, va: number, cpu = -1): { entries: TlbEntry[]; misprogrammed: boolean } {
  const own = tlbEntryFor(g, w.leaf, w.level, va, w.pa);
  if (!w.leaf.cont) return { entries: [own], misprogrammed: false };
  const last = w.steps[w.steps.length - 1];
  const per = pagesPerEntry(g, w.level);
  const run = own.pages / per;
  const first = last.index - Math.floor((va - own.va) / per);
  const entries = [own];
  for (let j = 0; j < run; j++) {
    const index = first + j;
    if (index === last.index) continue;
    for (const sib of walkerViews(mem, last.table, index, cpu)) {
      if (!isValid(sib) || sib.type === 'table' || !sib.cont) continue;
      const sibVa = own.va + j * per;
      const e = tlbEntryFor(g, sib, w.level, sibVa, sib.out);
      if (!entries.some((x) => x.equals(e))) entries.push(e);
    }
  }
  return { entries, misprogrammed: entries.some((e) => e.pa !== own.pa) };
}

/** The walk for `va`: from the deepest walk-cache entry, or from the root. */
function walk(ctx: MmuContext, va: number): WalkResult[] {
  const cached = walkCacheLookup(ctx.tlb, va);
  const from = cached ? { level: (cached.level + 1) as Level, table: cached.pa } : undefined;
  return walkOutcomes(ctx.geometry, ctx.memory, ctx.root, va, { ...(ctx.cpu !== undefined ? { cpu: ctx.cpu } : {}), ...(from ? { from } : {}) });
}

/** The TLB after a successful walk: the leaf entry, and the table descriptors it read (walk cache). */
function fillWalk(g: Geometry, tlb: List<TlbEntry>, w: Extract<WalkResult, { ok: true }>, leaf: TlbEntry, va: number): List<TlbEntry> {
  let out = tlbFill(tlb, leaf);
  for (const st of w.steps) if (st.level < w.level && st.entry !== null && st.entry.type === 'table') out = tlbFill(out, walkEntryFor(g, st.level, va, st.entry.out));
  return out;
}

const walkHow = (w: WalkResult, mem?: Memory): string => {
  if (w.ok) return w.sawStale ? 'walker sees the old entry' : 'walker sees the new entry';
  const last = w.steps[w.steps.length - 1];
  const p = mem?.pending.get(entryKey(last.table, last.index));
  // Published, but this CPU's walk is not ordered after it (no FEAT_ETS2: memory.ts).
  if (p && p.cpus.isEmpty()) return 'walker misses the published entry (no FEAT_ETS2): fault';
  return 'walker sees an unpublished-over entry: fault';
};

/** Every possible outcome of one access by a CPU. */
export function mmuAccess(ctx: MmuContext, va: number, access: Access): AccessOutcome[] {
  const g = ctx.geometry;
  const bbm = ctx.bbm ?? '0';
  const out: AccessOutcome[] = [];
  const push = (o: AccessOutcome) => {
    if (!out.some((x) => sameOutcome(x, o))) out.push(o);
  };
  /** A lookup among `hits`: a conflict abort (unless BBML2_NOABORT) or any one entry. */
  const lookup = (tlb: List<TlbEntry>, hits: TlbEntry[], prefix: string, sawStale: boolean) => {
    if (hits.length > 1 && tlbHitsConflict(hits, va) && bbm !== '2-noabort')
      push({ result: conflictAbort(va, hits[0].level, access, 'tlb', []), tlb, sawStale, how: `${prefix}TLB conflict abort: ${hits.length} entries match` });
    const distinct = hits.filter((h, i) => hits.findIndex((x) => tlbPa(x, va) === tlbPa(h, va) && x.rdonly === h.rdonly && x.pxn === h.pxn && x.poIndex === h.poIndex) === i);
    for (const h of distinct) {
      const which = distinct.length > 1 ? `TLB hit on the ${h.level === 3 ? (h.pages > 1 ? 'CONT run' : 'page') : 'block'} entry (${h.rdonly ? 'RO' : 'RW'} pa${tlbPa(h, va)})` : 'TLB hit';
      push({ result: use(h, va, access, ctx.por, 'tlb', []), tlb, sawStale, how: `${prefix}${which}` });
    }
  };

  const hits = tlbLookup(ctx.tlb, va);
  const walks = walk(ctx, va);
  if (hits.length > 0) lookup(ctx.tlb, hits, '', false);
  for (const w of walks) {
    if (!w.ok) {
      // Invalid entries are never cached; with a hit, a faulting speculative walk changes nothing.
      if (hits.length === 0)
        push({ result: { ok: false, via: 'walk', fault: { type: 'translation', level: w.level, overlay: false, access, va, steps: w.steps } }, tlb: ctx.tlb, sawStale: w.sawStale, how: walkHow(w, ctx.memory) });
      continue;
    }
    const { entries, misprogrammed } = walkedEntries(g, ctx.memory, w, va, ctx.cpu ?? -1);
    if (hits.length === 0 && misprogrammed)
      push({ result: conflictAbort(va, w.level, access, 'walk', w.steps), tlb: ctx.tlb, sawStale: w.sawStale, how: `${walkHow(w)}; CONT run misprogrammed: TLB conflict abort` });
    for (const e of entries) {
      const tlb = fillWalk(g, ctx.tlb, w, e, va);
      const from = e === entries[0] ? '' : `; the TLB decodes the CONT run from another entry (pa${tlbPa(e, va)}${e.rdonly ? ' RO' : ' RW'})`;
      if (hits.length === 0) {
        push({ result: use(e, va, access, ctx.por, 'walk', w.steps), tlb, sawStale: w.sawStale, how: `${walkHow(w)}${from}` });
      } else if (!ctx.tlb.includes(e)) {
        // A speculative walk allocated this entry beside the cached ones before the access.
        lookup(tlb, tlbLookup(tlb, va), `speculative walk (${walkHow(w).replace('walker sees', 'sees')}${from}) adds an entry; `, w.sawStale);
      }
    }
  }
  return out;
}

function sameOutcome(a: AccessOutcome, b: AccessOutcome): boolean {
  // Unrecorded (footprint.ts): both TLBs are fills of one TLB, whose pages the fills read.
  return rawOf(a.tlb).equals(rawOf(b.tlb)) && JSON.stringify(a.result) === JSON.stringify(b.result);
}

/** ESR_EL1 of a data/instruction abort taken from EL1, as the kernel prints it. */
export function esrOf(f: Fault): bigint {
  const ec = f.access === 'exec' ? 0x21n : 0x25n; // IABT / DABT (current EL)
  const il = 1n << 25n;
  const fsc = f.type === 'tlb-conflict' ? 0x30n : BigInt((f.type === 'translation' ? 0x04 : 0x0c) + f.level);
  const wnr = f.access === 'write' ? 1n << 6n : 0n;
  const iss2 = f.overlay ? 1n << 6n : 0n;
  return (iss2 << 32n) | (ec << 26n) | il | wnr | fsc;
}

/** "write to read-only memory", as __do_kernel_fault() (or do_mem_abort()'s fault_info name) calls the fault. */
export function kernelFaultMessage(f: Fault): string {
  if (f.type === 'tlb-conflict') return 'TLB conflict abort';
  if (f.type === 'permission') {
    if (f.access === 'write') return 'write to read-only memory';
    if (f.access === 'exec') return 'execute from non-executable memory';
    return 'read from unreadable memory';
  }
  return 'paging request';
}
