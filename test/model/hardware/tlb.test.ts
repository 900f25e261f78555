/** The TLB as the Arm ARM lets it behave: several entries per VA, walk cache, eviction, TLBI scope, conflict aborts per FEAT_BBM level, CONT misprogramming. */
import fc from 'fast-check';
import { is, List } from 'immutable';
import { describe, expect, it } from 'vitest';
import { Desc } from '../../../model/hardware/descriptor.ts';
import { DEFAULT_GEOMETRY, regionBase } from '../../../model/hardware/geometry.ts';
import { contextSynchronize, publishStores, readEntry, storeEntry, walkerViews } from '../../../model/hardware/memory.ts';
import { BBM_LEVELS, mmuAccess, type MmuContext } from '../../../model/hardware/mmu.ts';
import { POR_EL1_INIT } from '../../../model/hardware/pkeys.ts';
import { TlbEntry, tlbEvict, tlbFill, tlbHitsConflict, tlbInvalidateRange, tlbLookup, walkCacheLookup } from '../../../model/hardware/tlb.ts';
import { walkLatest } from '../../../model/hardware/walk.ts';
import { Boot } from '../../../model/scenarios/boot.ts';

const g = DEFAULT_GEOMETRY;
const vm = regionBase(g, 'vmalloc'); // 64
const image = regionBase(g, 'kernel image'); // 128

// image+4..7: a pmd block (pa 200); vm+4, vm+5: a consistent CONT run (pa 304, 305).
const boot = new Boot(g, 16);
boot.map(vm + 0, 300);
boot.map(vm + 4, 304, { cont: true });
boot.map(vm + 5, 305, { cont: true });
boot.map(image + 4, 200, { level: 2 });
const built = boot.finish();
const root = built.layout.root;
const ctx = (over: Partial<MmuContext> = {}): MmuContext => ({ geometry: g, memory: built.memory, root, tlb: List<TlbEntry>(), por: POR_EL1_INIT, ...over });
const leaves = (tlb: List<TlbEntry>) => tlb.filter((e) => e.kind === 'leaf').toArray();
const slotOf = (mem: typeof built.memory, va: number) => {
  const w = walkLatest(g, mem, root, va);
  return w.steps[w.steps.length - 1];
};

const block = new TlbEntry({ va: image + 4, pages: 4, pa: 200, level: 2 });
const page = new TlbEntry({ va: image + 5, pages: 1, pa: 201, level: 3 });

describe('several entries for one VA', () => {
  it('tlbFill keeps overlapping entries (old block and new page after a split without TLBI); a lookup finds both', () => {
    const tlb = tlbFill(tlbFill(List(), block), page);
    expect(tlb.toArray()).toEqual([block, page]);
    expect(tlbLookup(tlb, image + 5)).toEqual([block, page]);
    expect(tlbLookup(tlb, image + 6)).toEqual([block]);
    expect(tlbFill(tlb, page)).toBe(tlb); // no duplicates
  });

  it('entries that differ in size or output address conflict; entries that differ only in permissions do not', () => {
    expect(tlbHitsConflict([block, page], image + 5)).toBe(true);
    expect(tlbHitsConflict([page, page.set('pa', 250)], image + 5)).toBe(true);
    expect(tlbHitsConflict([page, page.set('rdonly', true)], image + 5)).toBe(false);
  });
});

describe('a TLB is one value per set of entries', () => {
  // Entries from a small domain: leaf and walk entries that share VAs, sizes and output pages.
  const entryArb = fc
    .record({ kind: fc.constantFrom<'leaf' | 'walk'>('leaf', 'walk'), va: fc.constantFrom(4, 5, 12, 100), level: fc.constantFrom<0 | 1 | 2 | 3>(1, 2, 3), pages: fc.constantFrom(1, 2, 16), pa: fc.constantFrom(7, 30), rdonly: fc.boolean(), poIndex: fc.constantFrom(0, 1) })
    .map((f) => new TlbEntry(f));
  const fillAll = (entries: readonly TlbEntry[]) => entries.reduce((tlb, e) => tlbFill(tlb, e), List<TlbEntry>());

  it('filling the same entries in any order, with repeats, gives equal lists (what the state fingerprints rely on)', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 7 }), fc.integer(), (entries, seed) => {
        const shuffled = [...entries, ...entries.slice(0, 2)].sort((a, b) => ((a.hashCode() ^ seed) | 0) - ((b.hashCode() ^ seed) | 0));
        const one = fillAll(entries);
        const other = fillAll(shuffled);
        expect(is(one, other)).toBe(true);
        expect(one.size).toBe(new Set(entries.map((e) => JSON.stringify(e.toJS()))).size);
        // In the TLB's order: leaf entries first, then by VA, level, size, output page, permissions.
        const key = (e: TlbEntry) => `${e.kind === 'leaf' ? 0 : 1}:${String(e.va).padStart(6, '0')}:${e.level}:${e.pages}:${e.pa}:${e.rdonly ? 1 : 0}${e.pxn ? 1 : 0}${e.poIndex}`;
        expect(one.toArray().map(key)).toEqual([...new Set(entries.map(key))].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('after an eviction or a TLBI, a fill gives the list that filling the remaining entries gives', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 6 }), entryArb, fc.nat(), (entries, extra, n) => {
        const tlb = fillAll(entries);
        const evicted = tlbEvict(tlb, n % tlb.size);
        expect(is(tlbFill(evicted, extra), fillAll([...evicted.toArray(), extra]))).toBe(true);
        const flushed = tlbInvalidateRange(tlb, 4, 13, 'all-levels');
        expect(is(tlbFill(flushed, extra), fillAll([...flushed.toArray(), extra].reverse()))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('TLB conflict aborts per FEAT_BBM level', () => {
  // The block is cached; the tables now map image+4..7 with ptes (a split without break-before-make).
  const split = new Boot(g, 16);
  for (let i = 0; i < 4; i++) split.map(image + 4 + i, 200 + i);
  const after = split.finish();
  const cached = List([block]);

  it.each(BBM_LEVELS)('bbm-level %s', (bbm) => {
    const outcomes = mmuAccess({ ...ctx({ memory: after.memory, tlb: cached, bbm }), root: after.layout.root }, image + 5, 'read');
    const kinds = outcomes.map((o) => (o.result.ok ? `ok pa${o.result.pa}` : o.result.fault.type));
    // The block entry alone; or a speculative walk caches the page beside it, and the lookup
    // aborts (below BBML2_NOABORT) or uses either entry (both map pa201 RW: one outcome).
    expect(kinds).toEqual(bbm === '2-noabort' ? ['ok pa201', 'ok pa201'] : ['ok pa201', 'tlb-conflict', 'ok pa201']);
    expect(outcomes.map((o) => o.how).at(-1)).toBe('speculative walk (sees the new entry) adds an entry; TLB hit');
    if (bbm !== '2-noabort') expect(outcomes[1].how).toBe('speculative walk (sees the new entry) adds an entry; TLB conflict abort: 2 entries match');
  });
});

describe('CONT runs', () => {
  it('a consistent run is one entry for the whole run, whichever pte is walked', () => {
    const o = mmuAccess(ctx(), vm + 5, 'read');
    expect(o).toHaveLength(1);
    expect(leaves(o[0].tlb)).toEqual([new TlbEntry({ va: vm + 4, pages: 2, pa: 304, level: 3 })]);
  });

  it('a run whose ptes disagree on the output address: a translation from either pte, or a TLB conflict abort (CONSTRAINED UNPREDICTABLE)', () => {
    const slot = slotOf(built.memory, vm + 4);
    const remapped = publishStores(storeEntry(built.memory, 0, slot.table, slot.index, (readEntry(built.memory, slot.table, slot.index) as Desc).set('out', 310)), 0);
    const o = mmuAccess(ctx({ memory: remapped, bbm: '2-noabort' }), vm + 5, 'read');
    expect(o.map((x) => (x.result.ok ? `ok pa${x.result.pa}` : x.result.fault.type))).toEqual(['tlb-conflict', 'ok pa305', 'ok pa311']);
    expect(o[0].how).toBe('walker sees the new entry; CONT run misprogrammed: TLB conflict abort');
  });
});

describe('walk cache', () => {
  it('a walk caches the table descriptors it went through; a later walk starts from the deepest', () => {
    const o = mmuAccess(ctx(), vm + 0, 'read')[0];
    const walks = o.tlb.filter((e) => e.kind === 'walk').toArray();
    expect(walks.map((e) => [e.level, e.va, e.pages])).toEqual([
      [0, 64, 64],
      [1, 64, 16],
      [2, 64, 4],
    ]);
    expect(walkCacheLookup(o.tlb, vm + 1)?.level).toBe(2);
  });

  it('a stale walk-cache entry keeps walks going through the old table until a TLBI of all levels', () => {
    const first = mmuAccess(ctx(), vm + 0, 'read')[0].tlb;
    // Point the pmd entry for vm+0..3 at another (empty) table, without a TLBI.
    const pmd = walkLatest(g, built.memory, root, vm).steps[2];
    const memory = publishStores(storeEntry(built.memory, 0, pmd.table, pmd.index, null), 0);
    const afterLeafTlbi = tlbInvalidateRange(first, vm, vm + 1, 'last-level');
    // The pte table is still reached through the cached pmd descriptor: the walk succeeds.
    expect(mmuAccess(ctx({ memory, tlb: afterLeafTlbi }), vm + 0, 'read')[0].result).toMatchObject({ ok: true, via: 'walk', pa: 300 });
    const afterAll = tlbInvalidateRange(first, vm, vm + 1, 'all-levels');
    expect(afterAll.filter((e) => e.va <= vm && vm < e.va + e.pages).size).toBe(0);
    expect(mmuAccess(ctx({ memory, tlb: afterAll }), vm + 0, 'read')[0].result).toMatchObject({ ok: false, fault: { type: 'translation', level: 2 } });
  });
});

describe('eviction and TLBI scope', () => {
  it('tlbEvict drops exactly one entry; the next access walks again', () => {
    const tlb = tlbFill(tlbFill(List(), block), page);
    expect(tlbEvict(tlb, 0).toArray()).toEqual([page]);
    const filled = mmuAccess(ctx(), image + 5, 'read')[0].tlb;
    const evicted = tlbEvict(filled, filled.findIndex((e) => e.kind === 'leaf'));
    expect(mmuAccess(ctx({ tlb: evicted }), image + 5, 'read')[0].result.via).toBe('walk');
  });

  it('TLBI by VA (last level) drops the leaf entries overlapping the range only', () => {
    const tlb = tlbFill(tlbFill(List(), block), new TlbEntry({ va: vm, pages: 1, pa: 300 }));
    expect(tlbInvalidateRange(tlb, image + 7, image + 8).toArray()).toEqual([new TlbEntry({ va: vm, pages: 1, pa: 300 })]);
    expect(tlbInvalidateRange(tlb, vm + 1, vm + 2).toArray()).toEqual(tlb.toArray());
  });
});

describe('walker ordering without FEAT_ETS2', () => {
  it('after publication another CPU may still walk the invalid old value until it synchronizes; the storing CPU does not', () => {
    const slot = slotOf(built.memory, vm + 0);
    const cleared = publishStores(storeEntry(built.memory, 0, slot.table, slot.index, null), 0);
    const remade = storeEntry(cleared, 0, slot.table, slot.index, readEntry(built.memory, slot.table, slot.index));
    const withEts2 = publishStores(remade, 0, { ets2: true, others: [1] });
    expect(walkerViews(withEts2, slot.table, slot.index, 1)).toHaveLength(1);
    const lagging = publishStores(remade, 0, { ets2: false, others: [1] });
    expect(walkerViews(lagging, slot.table, slot.index, 0)).toHaveLength(1);
    expect(walkerViews(lagging, slot.table, slot.index, 1)).toEqual([readEntry(built.memory, slot.table, slot.index), null]);
    expect(walkerViews(contextSynchronize(lagging, 1), slot.table, slot.index, 1)).toHaveLength(1);
    expect(contextSynchronize(lagging, 1).pending.size).toBe(0);
  });
});
