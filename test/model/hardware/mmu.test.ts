/** The MMU's access check: TLB or walk, then AP/PXN, then the POR_EL1 overlay; ESR and messages. */
import { List } from 'immutable';
import { describe, expect, it } from 'vitest';
import { Desc } from '../../../model/hardware/descriptor.ts';
import { DEFAULT_GEOMETRY, regionBase } from '../../../model/hardware/geometry.ts';
import { publishStores, readEntry, storeEntry, type Memory } from '../../../model/hardware/memory.ts';
import { esrOf, kernelFaultMessage, mmuAccess, type AccessOutcome, type Fault, type MmuContext } from '../../../model/hardware/mmu.ts';
import { POR_EL1_INIT, type Access } from '../../../model/hardware/pkeys.ts';
import { TlbEntry, tlbInvalidateRange } from '../../../model/hardware/tlb.ts';
import { walkLatest } from '../../../model/hardware/walk.ts';
import { Boot } from '../../../model/scenarios/boot.ts';

const g = DEFAULT_GEOMETRY;
const vm = regionBase(g, 'vmalloc'); // 64
const image = regionBase(g, 'kernel image'); // 128

// vm+0: RW pkey0        vm+1: RDONLY          vm+2: executable (PXN clear)   vm+3: RW pkey1 (a page-table page's alias)
// vm+4, vm+5: a CONT run whose second pte is (inconsistently) RDONLY        vm+6: not mapped
// image+4..7: an RW pmd block
const boot = new Boot(g, 16);
boot.map(vm + 0, 300);
boot.map(vm + 1, 301, { rdonly: true });
boot.map(vm + 2, 302, { pxn: false });
boot.map(vm + 3, 303, { poIndex: 1 });
boot.map(vm + 4, 304, { cont: true });
boot.map(vm + 5, 305, { cont: true, rdonly: true });
boot.map(vm + 7, 307, { poIndex: 1, pxn: false });
boot.map(image + 4, 200, { level: 2 });
const built = boot.finish();
const root = built.layout.root;

function ctx(over: Partial<MmuContext> = {}): MmuContext {
  return { geometry: g, memory: built.memory, root, tlb: List<TlbEntry>(), por: POR_EL1_INIT, ...over };
}

/** The single outcome of an access (the tables here are all published). */
function only(c: MmuContext, va: number, access: Access): AccessOutcome {
  const all = mmuAccess(c, va, access);
  expect(all).toHaveLength(1);
  return all[0];
}

/** The leaf entries of a TLB (walk-cache entries left out). */
const leaves = (tlb: List<TlbEntry>) => tlb.filter((e) => e.kind === 'leaf').toArray();

function fault(o: AccessOutcome): Fault {
  if (o.result.ok) throw new Error('expected a fault');
  return o.result.fault;
}

/** Where the pte of `va` is. */
function pteSlot(mem: Memory, va: number) {
  const w = walkLatest(g, mem, root, va);
  const last = w.steps[w.steps.length - 1];
  return { table: last.table, index: last.index };
}

describe('AP and PXN permission checks', () => {
  it('write to a RDONLY page: level 3 permission fault, overlay false', () => {
    const o = only(ctx(), vm + 1, 'write');
    expect(o.result.ok).toBe(false);
    expect(o.result.via).toBe('walk');
    expect(fault(o)).toMatchObject({ type: 'permission', level: 3, overlay: false, access: 'write', va: vm + 1 });
    expect(fault(o).steps).toHaveLength(4);
  });

  it('read of a RDONLY page succeeds', () => {
    expect(only(ctx(), vm + 1, 'read').result).toMatchObject({ ok: true, pa: 301, via: 'walk' });
  });

  it('exec of a PXN page: permission fault, overlay false', () => {
    expect(fault(only(ctx(), vm + 0, 'exec'))).toMatchObject({ type: 'permission', level: 3, overlay: false, access: 'exec' });
  });

  it('exec of a page with PXN clear and pkey 0 succeeds', () => {
    expect(only(ctx(), vm + 2, 'exec').result).toMatchObject({ ok: true, pa: 302 });
  });

  it('a write to an RW pmd block reports level 2 and the right page', () => {
    expect(only(ctx(), image + 6, 'write').result).toMatchObject({ ok: true, pa: 202, via: 'walk', perm: { rdonly: false, pxn: true, poIndex: 0 } });
    expect(fault(only(ctx(), image + 6, 'exec'))).toMatchObject({ type: 'permission', level: 2, overlay: false });
  });

  it('AP is checked before the overlay: a write to a RDONLY page is overlay:false even when POR denies too', () => {
    expect(fault(only(ctx({ por: 0 }), vm + 1, 'write')).overlay).toBe(false);
  });
});

describe('the POR_EL1 overlay check', () => {
  it('write to a POIndex 1 page with POR_EL1_INIT: level 3 permission fault, overlay true', () => {
    const f = fault(only(ctx(), vm + 3, 'write'));
    expect(f).toMatchObject({ type: 'permission', level: 3, overlay: true, access: 'write', va: vm + 3 });
  });

  it('the same write with POR 0x57 (KPKEYS_LVL_PGTABLES) succeeds', () => {
    expect(only(ctx({ por: 0x57 }), vm + 3, 'write').result).toMatchObject({ ok: true, pa: 303, via: 'walk', perm: { poIndex: 1 } });
  });

  it('a read of a pkey 1 page with POR_EL1_INIT succeeds', () => {
    expect(only(ctx(), vm + 3, 'read').result).toMatchObject({ ok: true, pa: 303 });
  });

  it('exec of a pkey 1 page with PXN clear: overlay fault under POR_EL1_INIT and under 0x57 (no X)', () => {
    expect(fault(only(ctx(), vm + 7, 'exec'))).toMatchObject({ type: 'permission', overlay: true });
    expect(fault(only(ctx({ por: 0x57 }), vm + 7, 'exec'))).toMatchObject({ type: 'permission', overlay: true });
    expect(only(ctx({ por: 0x37 }), vm + 7, 'exec').result.ok).toBe(true);
  });

  it('a POR with pkey 0 NONE faults even reads of pkey 0 pages', () => {
    expect(fault(only(ctx({ por: 0x10 }), vm + 0, 'read'))).toMatchObject({ type: 'permission', overlay: true, access: 'read' });
  });

  it('the overlay is checked on TLB hits too, with the live POR', () => {
    const filled = only(ctx({ por: 0x57 }), vm + 3, 'write');
    expect(filled.result.ok).toBe(true);
    const hit = only(ctx({ tlb: filled.tlb }), vm + 3, 'write');
    expect(hit.result.via).toBe('tlb');
    expect(fault(hit)).toMatchObject({ type: 'permission', level: 3, overlay: true, steps: [] });
    expect(only(ctx({ tlb: filled.tlb, por: 0x57 }), vm + 3, 'write').result).toMatchObject({ ok: true, via: 'tlb', pa: 303 });
  });
});

describe('TLB staleness until TLBI', () => {
  it('an access fills the TLB with the leaf it walked', () => {
    const o = only(ctx(), vm + 0, 'write');
    expect(o.result).toMatchObject({ ok: true, via: 'walk', pa: 300 });
    expect(leaves(o.tlb)).toEqual([new TlbEntry({ va: vm, pages: 1, pa: 300, level: 3, rdonly: false, pxn: true, poIndex: 0 })]);
  });

  it('after the pte is made RDONLY (stored and published) a write still succeeds through the TLB, until a TLBI', () => {
    const first = only(ctx(), vm + 0, 'write');
    const slot = pteSlot(built.memory, vm);
    const old = readEntry(built.memory, slot.table, slot.index) as Desc;
    const memory = publishStores(storeEntry(built.memory, 0, slot.table, slot.index, old.set('rdonly', true)), 0);
    expect(memory.pending.size).toBe(0);

    // The stale RW entry is used; or a speculative walk first caches the RDONLY pte beside it,
    // and the lookup uses either (a permission-only difference: no conflict abort).
    const stale = mmuAccess(ctx({ memory, tlb: first.tlb }), vm + 0, 'write');
    expect(stale.map((o) => [o.how, o.result.ok, leaves(o.tlb).length])).toEqual([
      ['TLB hit', true, 1],
      ['speculative walk (sees the new entry) adds an entry; TLB hit on the page entry (RW pa300)', true, 2],
      ['speculative walk (sees the new entry) adds an entry; TLB hit on the page entry (RO pa300)', false, 2],
    ]);
    expect(stale[0].result).toMatchObject({ ok: true, via: 'tlb', pa: 300, perm: { rdonly: false } });
    expect(stale[0].tlb).toBe(first.tlb);

    // A TLBI of an unrelated range keeps the stale entry.
    const other = tlbInvalidateRange(first.tlb, vm + 1, vm + 4);
    expect(mmuAccess(ctx({ memory, tlb: other }), vm + 0, 'write')[0].result).toMatchObject({ ok: true, via: 'tlb' });

    const flushed = tlbInvalidateRange(first.tlb, vm, vm + 1);
    expect(leaves(flushed)).toEqual([]);
    expect(flushed.size).toBe(3); // TLBI VAALE1 keeps the walk cache
    const after = only(ctx({ memory, tlb: flushed }), vm + 0, 'write');
    expect(after.result.via).toBe('walk');
    expect(fault(after)).toMatchObject({ type: 'permission', level: 3, overlay: false });
  });

  it('a cleared (unmapped) entry is still reachable through the TLB until a TLBI', () => {
    const first = only(ctx(), vm + 0, 'read');
    const slot = pteSlot(built.memory, vm);
    const memory = publishStores(storeEntry(built.memory, 0, slot.table, slot.index, null), 0);
    expect(mmuAccess(ctx({ memory, tlb: first.tlb }), vm + 0, 'read').map((o) => o.result)).toMatchObject([{ ok: true, via: 'tlb', pa: 300 }]);
    expect(fault(only(ctx({ memory, tlb: tlbInvalidateRange(first.tlb, vm, vm + 1) }), vm + 0, 'read'))).toMatchObject({
      type: 'translation',
      level: 3,
    });
  });

  it('invalid entries are never cached: a translation fault leaves the TLB unchanged', () => {
    const empty = only(ctx(), vm + 6, 'read');
    expect(fault(empty)).toMatchObject({ type: 'translation', level: 3, overlay: false, access: 'read', va: vm + 6 });
    expect(empty.tlb.size).toBe(0);

    const filled = only(ctx(), vm + 0, 'read').tlb;
    const o = only(ctx({ tlb: filled }), vm + 6, 'write');
    expect(fault(o).type).toBe('translation');
    expect(o.tlb).toBe(filled);

    // An entry with other bits but not PTE_VALID is not cached either.
    const slot = pteSlot(built.memory, vm);
    const memory = publishStores(storeEntry(built.memory, 0, slot.table, slot.index, new Desc({ valid: false, out: 300 })), 0);
    const inv = only(ctx({ memory }), vm + 0, 'read');
    expect(fault(inv)).toMatchObject({ type: 'translation', level: 3 });
    expect(inv.tlb.size).toBe(0);
  });

  it('a permission fault on a walk still fills the TLB (the entry was valid)', () => {
    const o = only(ctx(), vm + 1, 'write');
    expect(leaves(o.tlb)).toEqual([new TlbEntry({ va: vm + 1, pages: 1, pa: 301, level: 3, rdonly: true, pxn: true, poIndex: 0 })]);
  });

  it('a misprogrammed CONT run (permissions differ) is decoded from either of its entries: old or new, no abort', () => {
    // The run's second pte is RDONLY: a walk of either page may cache the run with either pte's bits.
    const o = mmuAccess(ctx(), vm + 4, 'write');
    expect(o.map((x) => x.how)).toEqual(['walker sees the new entry', 'walker sees the new entry; the TLB decodes the CONT run from another entry (pa304 RO)']);
    expect(leaves(o[0].tlb)).toEqual([new TlbEntry({ va: vm + 4, pages: 2, pa: 304, level: 3, rdonly: false, pxn: true, poIndex: 0 })]);
    expect(leaves(o[1].tlb)).toEqual([new TlbEntry({ va: vm + 4, pages: 2, pa: 304, level: 3, rdonly: true, pxn: true, poIndex: 0 })]);
    expect(o[0].result).toMatchObject({ ok: true, pa: 304 });
    expect(fault(o[1])).toMatchObject({ type: 'permission', overlay: false });
    // Through the RW entry the second page is writable although its pte is RDONLY.
    expect(mmuAccess(ctx({ tlb: o[0].tlb }), vm + 5, 'write')[0].result).toMatchObject({ ok: true, via: 'tlb', pa: 305 });
    expect(mmuAccess(ctx(), vm + 5, 'write').some((x) => x.result.ok === false && x.result.fault.type === 'tlb-conflict')).toBe(false);
  });

  it('a block fills one entry covering the block', () => {
    const o = only(ctx(), image + 5, 'read');
    expect(leaves(o.tlb)).toEqual([new TlbEntry({ va: image + 4, pages: 4, pa: 200, level: 2, rdonly: false, pxn: true, poIndex: 0 })]);
    expect(only(ctx({ tlb: o.tlb }), image + 7, 'read').result).toMatchObject({ ok: true, via: 'tlb', pa: 203 });
  });
});

describe('walks that may see an unpublished store', () => {
  it('an unpublished RW->RO change: the write may succeed (old entry) or fault (new entry)', () => {
    const slot = pteSlot(built.memory, vm);
    const old = readEntry(built.memory, slot.table, slot.index) as Desc;
    const memory = storeEntry(built.memory, 0, slot.table, slot.index, old.set('rdonly', true));
    const all = mmuAccess(ctx({ memory }), vm, 'write');
    expect(all).toHaveLength(2);
    expect(all[0].sawStale).toBe(false);
    expect(fault(all[0])).toMatchObject({ type: 'permission', overlay: false });
    expect(all[1].sawStale).toBe(true);
    expect(all[1].result).toMatchObject({ ok: true, pa: 300 });
  });
});

describe('ESR_EL1 and the kernel fault message', () => {
  const overlayWrite: Fault = { type: 'permission', level: 3, overlay: true, access: 'write', va: vm + 3, steps: [] };

  it('a level 3 overlay write fault is ESR 0x000000409600004f, as in the seed splat', () => {
    expect(esrOf(overlayWrite)).toBe(0x000000409600004fn);
    expect(kernelFaultMessage(overlayWrite)).toBe('write to read-only memory');
  });

  it('the fault mmuAccess reports for the pkey 1 write has that ESR', () => {
    const f = fault(only(ctx(), vm + 3, 'write'));
    expect(esrOf(f)).toBe(0x000000409600004fn);
  });

  it('a level 3 AP write fault: same without ISS2.Overlay', () => {
    expect(esrOf({ ...overlayWrite, overlay: false })).toBe(0x9600004fn);
  });

  it('translation faults: FSC 0x04 + level, message "paging request"', () => {
    const t: Fault = { type: 'translation', level: 3, overlay: false, access: 'read', va: vm + 6, steps: [] };
    expect(esrOf(t)).toBe(0x96000007n);
    expect(esrOf({ ...t, level: 0 })).toBe(0x96000004n);
    expect(esrOf({ ...t, access: 'write', level: 2 })).toBe(0x96000046n);
    expect(kernelFaultMessage(t)).toBe('paging request');
    expect(kernelFaultMessage({ ...t, access: 'write' })).toBe('paging request');
    expect(kernelFaultMessage(fault(only(ctx(), vm + 6, 'read')))).toBe('paging request');
  });

  it('an instruction abort from EL1: EC 0x21, no WnR; "execute from non-executable memory"', () => {
    const x: Fault = { type: 'permission', level: 3, overlay: false, access: 'exec', va: vm, steps: [] };
    expect(esrOf(x)).toBe(0x8600000fn);
    expect(kernelFaultMessage(x)).toBe('execute from non-executable memory');
  });

  it('a read permission fault: "read from unreadable memory"', () => {
    const r: Fault = { type: 'permission', level: 2, overlay: true, access: 'read', va: vm, steps: [] };
    expect(esrOf(r)).toBe(0x409600000en);
    expect(kernelFaultMessage(r)).toBe('read from unreadable memory');
  });
});
