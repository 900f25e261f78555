/** The stage-1 table walk: levels, block decode, invalid encodings, CONT spans, walker visibility. */
import { List, Map as IMap } from 'immutable';
import { describe, expect, it } from 'vitest';
import { Desc, tableDesc, type Entry } from '../../../model/hardware/descriptor.ts';
import { DEFAULT_GEOMETRY, pagesPerEntry, regionBase, tableIndex, type Geometry, type Level } from '../../../model/hardware/geometry.ts';
import { hasUnpublished, Memory, publishStores, readEntry, storeEntry } from '../../../model/hardware/memory.ts';
import { leafPa, leafSpan, walkLatest, walkOutcomes, type WalkResult } from '../../../model/hardware/walk.ts';
import { Boot } from '../../../model/scenarios/boot.ts';

const g = DEFAULT_GEOMETRY; // fanout 4: a pgd entry covers 64 pages, a pud entry 16, a pmd entry 4

function ok(r: WalkResult): Extract<WalkResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected a translation, got a fault at level ${r.level}`);
  return r;
}

describe('geometry the tests rely on', () => {
  it('fanout 4, CONT runs of 2, 64/16/4/1 pages per pgd/pud/pmd/pte entry', () => {
    expect(g).toEqual({ fanout: 4, contPtes: 2, contPmds: 2 });
    expect([0, 1, 2, 3].map((l) => pagesPerEntry(g, l as Level))).toEqual([64, 16, 4, 1]);
    expect([tableIndex(g, 64 + 16 + 8 + 3, 0), tableIndex(g, 64 + 16 + 8 + 3, 1), tableIndex(g, 64 + 16 + 8 + 3, 2), tableIndex(g, 64 + 16 + 8 + 3, 3)]).toEqual([1, 1, 2, 3]);
  });
});

describe('walks of tables built by Boot', () => {
  const image = regionBase(g, 'kernel image'); // 128
  const vm = regionBase(g, 'vmalloc'); // 64
  const boot = new Boot(g, 8);
  boot.map(vm + 5, 300); // a pte
  boot.map(vm + 6, 301, { rdonly: true, poIndex: 1 });
  boot.map(image + 4, 200, { level: 2 }); // a pmd block: VA 132..135
  boot.map(image + 16, 400, { level: 1 }); // a pud block: VA 144..159
  const { memory, layout } = boot.finish();
  const root = layout.root;

  it('a pte-level walk gives the page leaf, level 3 and its output page, through pgd, pud, pmd and pte', () => {
    const r = ok(walkLatest(g, memory, root, vm + 5));
    expect(r.level).toBe(3);
    expect(r.pa).toBe(300);
    expect(r.leaf).toEqual(new Desc({ type: 'page', out: 300 }));
    expect(r.sawStale).toBe(false);
    expect(r.steps.map((s) => [s.level, s.index])).toEqual([
      [0, 1],
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
    expect(r.steps[0].table).toBe(root);
    expect(r.steps[0].entry).toEqual(tableDesc(r.steps[1].table));
    expect(r.steps[1].entry).toEqual(tableDesc(r.steps[2].table));
    expect(r.steps[2].entry).toEqual(tableDesc(r.steps[3].table));
  });

  it('the neighbouring pte keeps its own attributes', () => {
    const r = ok(walkLatest(g, memory, root, vm + 6));
    expect(r.pa).toBe(301);
    expect(r.leaf.rdonly).toBe(true);
    expect(r.leaf.poIndex).toBe(1);
  });

  it('a pmd block (level 2) maps every VA inside it to the right page', () => {
    for (let i = 0; i < 4; i++) {
      const r = ok(walkLatest(g, memory, root, image + 4 + i));
      expect(r.level).toBe(2);
      expect(r.leaf.type).toBe('block');
      expect(r.pa).toBe(200 + i);
      expect(leafPa(g, r.leaf, 2, image + 4 + i)).toBe(200 + i);
      expect(r.steps).toHaveLength(3);
    }
  });

  it('a pud block (level 1) maps every VA inside it to the right page', () => {
    for (let i = 0; i < 16; i++) {
      const r = ok(walkLatest(g, memory, root, image + 16 + i));
      expect(r.level).toBe(1);
      expect(r.leaf.type).toBe('block');
      expect(r.pa).toBe(400 + i);
      expect(leafPa(g, r.leaf, 1, image + 16 + i)).toBe(400 + i);
      expect(r.steps).toHaveLength(2);
    }
  });

  it('VAs next to the blocks are not mapped by them', () => {
    expect(walkLatest(g, memory, root, image + 3)).toMatchObject({ ok: false, level: 2 });
    expect(walkLatest(g, memory, root, image + 8)).toMatchObject({ ok: false, level: 2 });
    expect(walkLatest(g, memory, root, image + 32)).toMatchObject({ ok: false, level: 1 });
  });

  it('walkOutcomes of published tables is the single latest walk', () => {
    const all = walkOutcomes(g, memory, root, image + 17);
    expect(all).toHaveLength(1);
    expect(ok(all[0]).pa).toBe(401);
  });
});

/**
 * A path of tables from root page 100 for VA 0: level-l table is page 100 + l, and `entry`
 * sits at index 0 of the level-`level` table.
 */
function pathTo(level: Level, entry: Entry): Memory {
  let tables = IMap<number, List<Entry>>();
  for (let l = 0; l <= level; l++) {
    const e = l === level ? entry : tableDesc(100 + l + 1);
    tables = tables.set(100 + l, List<Entry>([e, null, null, null]));
  }
  return new Memory({ tables });
}

const LEVELS: Level[] = [0, 1, 2, 3];

describe('translation faults', () => {
  for (const level of LEVELS) {
    it(`a null entry at level ${level} faults at level ${level}`, () => {
      const r = walkLatest(g, pathTo(level, null), 100, 0);
      expect(r.ok).toBe(false);
      expect(r.level).toBe(level);
      expect(r.steps).toHaveLength(level + 1);
      expect(r.steps[level].entry).toBeNull();
    });

    const type = level === 3 ? 'page' : level === 0 ? 'table' : 'block';
    it(`a ${type} descriptor with valid:false at level ${level} faults at level ${level}`, () => {
      const e = new Desc({ valid: false, type, out: 7 });
      const r = walkLatest(g, pathTo(level, e), 100, 0);
      expect(r).toMatchObject({ ok: false, level });
      expect(walkOutcomes(g, pathTo(level, e), 100, 0)).toHaveLength(1);
    });

    if (level < 3) {
      it(`an invalid table descriptor at level ${level} faults at level ${level}`, () => {
        const e = new Desc({ valid: false, type: 'table', out: 100 + level + 1 });
        expect(walkLatest(g, pathTo(level, e), 100, 0)).toMatchObject({ ok: false, level });
      });
    }
  }

  it('a block descriptor at level 0 is a translation fault at level 0', () => {
    expect(walkLatest(g, pathTo(0, new Desc({ type: 'block', out: 0 })), 100, 0)).toMatchObject({ ok: false, level: 0 });
  });

  it('a page descriptor at level 2 is a translation fault at level 2 (and at levels 0 and 1)', () => {
    expect(walkLatest(g, pathTo(2, new Desc({ type: 'page', out: 0 })), 100, 0)).toMatchObject({ ok: false, level: 2 });
    expect(walkLatest(g, pathTo(1, new Desc({ type: 'page', out: 0 })), 100, 0)).toMatchObject({ ok: false, level: 1 });
    expect(walkLatest(g, pathTo(0, new Desc({ type: 'page', out: 0 })), 100, 0)).toMatchObject({ ok: false, level: 0 });
  });

  it('a block or table descriptor at level 3 is a translation fault at level 3', () => {
    expect(walkLatest(g, pathTo(3, new Desc({ type: 'block', out: 0 })), 100, 0)).toMatchObject({ ok: false, level: 3 });
    expect(walkLatest(g, pathTo(3, tableDesc(5)), 100, 0)).toMatchObject({ ok: false, level: 3 });
  });

  it('legal leaves: block at 1 and 2, page at 3', () => {
    expect(ok(walkLatest(g, pathTo(1, new Desc({ type: 'block', out: 32 })), 100, 5))).toMatchObject({ level: 1, pa: 37 });
    expect(ok(walkLatest(g, pathTo(2, new Desc({ type: 'block', out: 32 })), 100, 3))).toMatchObject({ level: 2, pa: 35 });
    expect(ok(walkLatest(g, pathTo(3, new Desc({ type: 'page', out: 32 })), 100, 0))).toMatchObject({ level: 3, pa: 32 });
  });
});

describe('leafSpan: CONT runs', () => {
  it('a pte without CONT covers one page', () => {
    expect(leafSpan(g, new Desc({ type: 'page', out: 9 }), 3, 67)).toEqual({ va: 67, pages: 1 });
  });

  it('a CONT pte covers contPtes (2) pages, aligned to the run', () => {
    const leaf = new Desc({ type: 'page', out: 9, cont: true });
    expect(leafSpan(g, leaf, 3, 66)).toEqual({ va: 66, pages: 2 });
    expect(leafSpan(g, leaf, 3, 67)).toEqual({ va: 66, pages: 2 });
  });

  it('a pmd block without CONT covers one pmd (4 pages)', () => {
    expect(leafSpan(g, new Desc({ type: 'block', out: 0 }), 2, 141)).toEqual({ va: 140, pages: 4 });
  });

  it('a CONT pmd block covers contPmds (2) blocks, aligned to the run', () => {
    const leaf = new Desc({ type: 'block', out: 0, cont: true });
    expect(leafSpan(g, leaf, 2, 141)).toEqual({ va: 136, pages: 8 });
    expect(leafSpan(g, leaf, 2, 136)).toEqual({ va: 136, pages: 8 });
    expect(leafSpan(g, leaf, 2, 135)).toEqual({ va: 128, pages: 8 });
  });

  it('uses the geometry: contPtes 4 and contPmds 3 with fanout 8', () => {
    const g8: Geometry = { fanout: 8, contPtes: 4, contPmds: 3 };
    expect(leafSpan(g8, new Desc({ type: 'page', cont: true }), 3, 13)).toEqual({ va: 12, pages: 4 });
    expect(leafSpan(g8, new Desc({ type: 'block', cont: true }), 2, 50)).toEqual({ va: 48, pages: 24 });
  });

  it('a CONT run built by Boot walks to consecutive output pages', () => {
    const boot = new Boot(g, 4);
    const vm = regionBase(g, 'vmalloc');
    boot.map(vm + 2, 50, { cont: true });
    boot.map(vm + 3, 51, { cont: true });
    const { memory, layout } = boot.finish();
    const a = ok(walkLatest(g, memory, layout.root, vm + 2));
    const b = ok(walkLatest(g, memory, layout.root, vm + 3));
    expect([a.pa, b.pa]).toEqual([50, 51]);
    expect(leafSpan(g, a.leaf, 3, vm + 2)).toEqual({ va: vm + 2, pages: 2 });
    expect(leafSpan(g, b.leaf, 3, vm + 3)).toEqual({ va: vm + 2, pages: 2 });
  });
});

describe('walker visibility of unpublished stores', () => {
  const vm = regionBase(g, 'vmalloc');
  const boot = new Boot(g, 4);
  boot.map(vm, 60);
  const { memory, layout } = boot.finish();
  const root = layout.root;
  const leafStep = ok(walkLatest(g, memory, root, vm)).steps[3];
  const pteTable = leafStep.table;
  const index = leafStep.index;
  const oldLeaf = new Desc({ type: 'page', out: 60 });
  const newLeaf = new Desc({ type: 'page', out: 60, rdonly: true });

  it('a store by cpu 0 without dsb: the walker may see the new or the old value', () => {
    const mem = storeEntry(memory, 0, pteTable, index, newLeaf);
    expect(readEntry(mem, pteTable, index)).toEqual(newLeaf);
    const all = walkOutcomes(g, mem, root, vm);
    expect(all).toHaveLength(2);
    expect(ok(all[0]).leaf).toEqual(newLeaf);
    expect(all[0].sawStale).toBe(false);
    expect(ok(all[1]).leaf).toEqual(oldLeaf);
    expect(all[1].sawStale).toBe(true);
    // Software (walkLatest) sees only the new value.
    expect(ok(walkLatest(g, mem, root, vm)).leaf).toEqual(newLeaf);
    expect(hasUnpublished(mem, 0)).toBe(true);
  });

  it("after publishStores(mem, 0) only the new value", () => {
    const mem = publishStores(storeEntry(memory, 0, pteTable, index, newLeaf), 0);
    const all = walkOutcomes(g, mem, root, vm);
    expect(all).toHaveLength(1);
    expect(ok(all[0]).leaf).toEqual(newLeaf);
    expect(all[0].sawStale).toBe(false);
    expect(mem.pending.size).toBe(0);
    expect(hasUnpublished(mem, 0)).toBe(false);
  });

  it('an unpublished clear: a fault (new) or the old translation', () => {
    const mem = storeEntry(memory, 0, pteTable, index, null);
    const all = walkOutcomes(g, mem, root, vm);
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ ok: false, level: 3, sawStale: false });
    expect(all[1]).toMatchObject({ ok: true, level: 3, pa: 60, sawStale: true });
    expect(walkOutcomes(g, publishStores(mem, 0), root, vm)).toMatchObject([{ ok: false, level: 3 }]);
  });

  it("a store by cpu 1 is not published by cpu 0's dsb, only by cpu 1's", () => {
    const mem = storeEntry(memory, 1, pteTable, index, newLeaf);
    const after0 = publishStores(mem, 0);
    expect(after0).toBe(mem);
    expect(walkOutcomes(g, after0, root, vm)).toHaveLength(2);
    expect(hasUnpublished(after0, 1)).toBe(true);
    expect(hasUnpublished(after0, 0)).toBe(false);
    const after1 = publishStores(after0, 1);
    expect(walkOutcomes(g, after1, root, vm)).toHaveLength(1);
    expect(ok(walkOutcomes(g, after1, root, vm)[0]).leaf).toEqual(newLeaf);
  });

  it('two stores before a dsb: the walker may see any of the three values', () => {
    const third = new Desc({ type: 'page', out: 61 });
    const mem = storeEntry(storeEntry(memory, 0, pteTable, index, newLeaf), 0, pteTable, index, third);
    expect(walkOutcomes(g, mem, root, vm).map((r) => ok(r).leaf)).toEqual([third, oldLeaf, newLeaf]);
    expect(walkOutcomes(g, publishStores(mem, 0), root, vm).map((r) => ok(r).leaf)).toEqual([third]);
  });

  it('storing the value already there leaves nothing pending', () => {
    const mem = storeEntry(memory, 0, pteTable, index, oldLeaf);
    expect(mem.pending.size).toBe(0);
    expect(walkOutcomes(g, mem, root, vm)).toHaveLength(1);
  });

  it('an unpublished store to an upper-level entry is seen either way too', () => {
    const pmdStep = ok(walkLatest(g, memory, root, vm)).steps[2];
    const mem = storeEntry(memory, 0, pmdStep.table, pmdStep.index, null);
    const all = walkOutcomes(g, mem, root, vm);
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ ok: false, level: 2 });
    expect(all[1]).toMatchObject({ ok: true, level: 3, pa: 60, sawStale: true });
  });
});
