/**
 * The facts made from linear-alias walks (kernel-model.ts: pagetablePages, textAliases) are
 * remembered with the page-table pages the walks read. A state that changes one of those pages
 * gets new facts; a state that changes only other pages gets the remembered ones.
 */
import { describe, expect, it } from 'vitest';
import { linearAlias } from '../../model/hardware/geometry.ts';
import { storeEntry } from '../../model/hardware/memory.ts';
import { walkLatest } from '../../model/hardware/walk.ts';
import { kernelFacts, kernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { getScenario } from '../../model/scenarios/index.ts';

const m = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6' });
const s0 = [...m.initialStates()][0];
const g = m.env.geometry;
const root = m.env.layout.root;
const pgtable = s0.pgtable_role.findKey((role) => role === 'pgtable')!;

/** `s` with the linear-alias leaf of page `page` given POIndex `pkey`. */
function withAliasPkey(s: KernelState, page: number, pkey: number): KernelState {
  const w = walkLatest(g, s.memory, root, linearAlias(g, page));
  if (!w.ok) throw new Error('no linear alias');
  const leaf = w.steps[w.steps.length - 1];
  return s.set('memory', storeEntry(s.memory, 0, leaf.table, leaf.index, w.leaf.set('poIndex', pkey)));
}
const pkeyOf = (s: KernelState, page: number) => kernelFacts(s, m.env).pagetablePages.find((p) => p.page === page)!.pkey;

describe('facts from linear-alias walks', () => {
  it('a store to a page the walks read changes the facts, after they were made for the state before', () => {
    expect(pkeyOf(s0, pgtable)).toBe(1);
    const s1 = withAliasPkey(s0, pgtable, 0);
    expect(pkeyOf(s1, pgtable)).toBe(0);
    expect(pkeyOf(withAliasPkey(s1, pgtable, 1), pgtable)).toBe(1);
  });

  it('a store to a page no walk reads keeps the facts made before', () => {
    // A model of its own: nothing remembered yet but what this test makes.
    const m = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6' });
    const s0 = [...m.initialStates()][0];
    const before = kernelFacts(s0, m.env).pagetablePages;
    // A page-table page no linear-alias walk reads (the vmalloc area's pte table), and a valid entry in it.
    const read = new Set(before.flatMap((p) => walkLatest(g, s0.memory, root, linearAlias(g, p.page)).steps.map((st) => st.table)));
    const other = [...s0.pgtable_role.keys()].find((t) => !read.has(t) && s0.memory.tables.get(t)?.some((e) => e !== null));
    expect(other, `a page-table page outside the walks (they read ${[...read].join(', ')})`).toBeDefined();
    const index = s0.memory.tables.get(other!)!.findIndex((e) => e !== null);
    const s1 = s0.set('memory', storeEntry(s0.memory, 0, other!, index, null));
    expect(s1.memory).not.toBe(s0.memory);
    expect(kernelFacts(s1, m.env).pagetablePages).toBe(before);
  });
});
