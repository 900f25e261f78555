/**
 * The MMU's check of one kernel access, in the architecture's order: translation (TLB hit, or
 * a walk that may fault with a translation fault), then the AP/PXN permission check, then
 * the permission overlay check of POR_EL1[POIndex]. Faults carry what the kernel prints
 * (arch/arm64/mm/fault.c: __do_kernel_fault, ESR decoding).
 */
import type { List } from 'immutable';
import type { Desc } from './descriptor.ts';
import type { Geometry, Level } from './geometry.ts';
import type { Memory } from './memory.ts';
import { por_permits, type Access } from './pkeys.ts';
import { tlbEntryFor, tlbFill, tlbLookup, tlbPa, type TlbEntry } from './tlb.ts';
import { walkOutcomes, type WalkStep } from './walk.ts';

export interface Fault {
  readonly type: 'translation' | 'permission';
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
}

export interface MmuContext {
  readonly geometry: Geometry;
  readonly memory: Memory;
  /** swapper_pg_dir's page. */
  readonly root: number;
  readonly tlb: List<TlbEntry>;
  /** The accessing CPU's live POR_EL1. */
  readonly por: number;
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

/** Every possible outcome of one access by a CPU (several when a walk may see stale entries). */
export function mmuAccess(ctx: MmuContext, va: number, access: Access): AccessOutcome[] {
  const hit = tlbLookup(ctx.tlb, va);
  if (hit) {
    const perm = grantedOf(hit);
    const check = permissionCheck(perm, access, ctx.por);
    const result: AccessResult = check.ok
      ? { ok: true, pa: tlbPa(hit, va), via: 'tlb', perm, steps: [] }
      : { ok: false, via: 'tlb', perm, fault: { type: 'permission', level: hit.level, overlay: check.overlay, access, va, steps: [] } };
    return [{ result, tlb: ctx.tlb, sawStale: false }];
  }
  return walkOutcomes(ctx.geometry, ctx.memory, ctx.root, va).map((w): AccessOutcome => {
    if (!w.ok)
      return {
        result: { ok: false, via: 'walk', fault: { type: 'translation', level: w.level, overlay: false, access, va, steps: w.steps } },
        tlb: ctx.tlb,
        sawStale: w.sawStale,
      };
    const perm = grantedOf(w.leaf);
    const tlb = tlbFill(ctx.tlb, tlbEntryFor(ctx.geometry, w.leaf, w.level, va, w.pa));
    const check = permissionCheck(perm, access, ctx.por);
    const result: AccessResult = check.ok
      ? { ok: true, pa: w.pa, via: 'walk', perm, steps: w.steps }
      : { ok: false, via: 'walk', perm, fault: { type: 'permission', level: w.level, overlay: check.overlay, access, va, steps: w.steps } };
    return { result, tlb, sawStale: w.sawStale };
  });
}

/** ESR_EL1 of a data/instruction abort taken from EL1, as the kernel prints it. */
export function esrOf(f: Fault): bigint {
  const ec = f.access === 'exec' ? 0x21n : 0x25n; // IABT / DABT (current EL)
  const il = 1n << 25n;
  const fsc = BigInt((f.type === 'translation' ? 0x04 : 0x0c) + f.level);
  const wnr = f.access === 'write' ? 1n << 6n : 0n;
  const iss2 = f.overlay ? 1n << 6n : 0n;
  return (iss2 << 32n) | (ec << 26n) | il | wnr | fsc;
}

/** "write to read-only memory", as __do_kernel_fault() names the fault. */
export function kernelFaultMessage(f: Fault): string {
  if (f.type === 'permission') {
    if (f.access === 'write') return 'write to read-only memory';
    if (f.access === 'exec') return 'execute from non-executable memory';
    return 'read from unreadable memory';
  }
  return 'paging request';
}
