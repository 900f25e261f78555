/** Footprints of kernel steps, recorded by views of the state while the step runs (model/kernel/footprint.ts). */
import { describe, expect, it } from 'vitest';
import { K } from '../../model/kernel/exec.ts';
import { dsb, flushTlbKernelRange } from '../../model/kernel/hw.ts';
import { readEntry, storeEntry } from '../../model/hardware/memory.ts';
import { TlbEntry, tlbFill, tlbLookup } from '../../model/hardware/tlb.ts';
import { List } from 'immutable';
import { kernelOwner, Recorder, recordWhile, ownerOf, ruleReads } from '../../model/kernel/footprint.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { linearAlias, regionBase, tableIndex } from '../../model/hardware/geometry.ts';
import { walkLatest } from '../../model/hardware/walk.ts';
import { getScenario } from '../../model/scenarios/index.ts';
import { RULES } from '../../properties/index.ts';

const model = kernelModel(getScenario('tlbi-elision'), { design: 'v6' });
const initial = [...model.initialStates()][0];
const k0 = new K(initial, 0, model.env);

function record(f: (k: K) => unknown): Recorder {
  const r = new Recorder();
  recordWhile(r, () => f(k0));
  return r;
}

describe('recorded footprints', () => {
  it('a register write is a write of that CPU register only', () => {
    const r = record((k) => k.setCpu((c) => c.set('por_el1', 7)));
    expect([...r.writes]).toEqual(['cpu0.por_el1']);
    expect([...r.reads]).toEqual([]);
  });

  it('reads through k.cpu, k.task and k.s are noted by key', () => {
    const r = record((k) => [k.cpu.preempt_count, k.task.lazy_mmu_state, k.s.memory, k.s.tasks[1].comm, k.local('x')]);
    // The memory record alone is no read: its entries are (below).
    expect([...r.reads].sort()).toEqual(['cpu0.curr', 'cpu0.preempt_count', 'task0.lazy_mmu_state', 'task0.stack', 'task1.comm'].sort());
    expect([...r.writes]).toEqual([]);
  });

  it('a context keeps the views it handed out for one recording only: after a reset, reads through k.cpu and k.task are noted again', () => {
    const k = new K(initial, 0, model.env);
    const r = new Recorder();
    recordWhile(r, () => [k.task.comm, k.cpu.preempt_count, k.task.pid]);
    expect([...r.reads].sort()).toEqual(['cpu0.curr', 'cpu0.preempt_count', 'task0.comm', 'task0.pid']);
    r.reset();
    recordWhile(r, () => k.task.comm);
    expect([...r.reads].sort()).toEqual(['cpu0.curr', 'task0.comm']);
    // Another recorder gets views of its own.
    const other = new Recorder();
    recordWhile(other, () => k.cpu.preempt_count);
    expect([...other.reads]).toEqual(['cpu0.preempt_count']);
    expect([...r.reads].sort()).toEqual(['cpu0.curr', 'task0.comm']);
  });

  it("a view's method called away from its view is an error, not a read of something else", () => {
    const r = new Recorder();
    expect(() =>
      recordWhile(r, () => {
        const get = k0.s.get;
        return get('cpus');
      }),
    ).toThrow('a footprint view method was called without its view (detached from it)');
  });

  it('a broadcast TLBI writes every CPU TLB, and nothing else of theirs', () => {
    const r = record((k) => flushTlbKernelRange(k, 0, 1));
    // Page 0 of each TLB; the dsb() before it publishes nothing (no stores pending).
    expect([...r.writes].sort()).toEqual(['cpu0.tlb@0', 'cpu1.tlb@0']);
    expect([...r.reads].sort()).toEqual(['cpu0.lagging', 'cpu0.tlb@0', 'cpu0.unpublished', 'cpu1.tlb@0']);
  });

  it('page-table memory is keyed per entry: a load reads its entry, a store writes it and owes a barrier, dsb() publishes it', () => {
    const root = model.env.layout.root;
    expect([...record((k) => readEntry(k.s.memory, root, 1)).reads]).toEqual([`mem:${root}:1`]);
    const store = record((k) => storeEntry(k.s.memory, 0, root, 1, null));
    expect([...store.reads]).toEqual([`mem:${root}:1`]);
    expect([...store.writes].sort()).toEqual([`cpu0.unpublished`, `mem:${root}:1`]);
    const stored = new K(initial.set('memory', storeEntry(initial.memory, 0, root, 1, null)), 0, model.env);
    const r = new Recorder();
    recordWhile(r, () => dsb(stored));
    expect([...r.reads].sort()).toEqual(['cpu0.unpublished', `mem:${root}:1`]);
    expect([...r.writes].sort()).toEqual(['cpu0.unpublished', `mem:${root}:1`]);
    // Any other use of the memory record is everything.
    expect(record((k) => k.s.memory.toJS()).writes.has('*')).toBe(true);
  });

  it("a TLB lookup reads the page it looks up in this CPU's TLB; a fill writes the pages the entry covers", () => {
    const lookup = record((k) => tlbLookup(k.cpu.tlb, 5));
    expect([...lookup.reads].filter((x) => x.includes('tlb'))).toEqual(['cpu0.tlb@5']);
    const entry = new TlbEntry({ va: 4, pages: 2, pa: 9 });
    const fill = record((k) => k.setCpu((c) => c.set('tlb', tlbFill(c.tlb, entry))));
    expect([...fill.writes].sort()).toEqual(['cpu0.tlb@4', 'cpu0.tlb@5']);
    expect(record((k) => k.cpu.tlb.toArray()).writes.has('*')).toBe(true);
  });

  it('a task entering or leaving the kernel also writes its stack_empty key', () => {
    const r = record((k) => k.setTask((t) => t.set('stack', [])));
    expect([...r.writes].sort()).toEqual(['task0.stack', 'task0.stack_empty']);
    const same = record((k) => k.setLocal('x', 1));
    expect([...same.writes]).toEqual(['task0.stack']);
  });

  it('an access the views do not model is conservatively everything', () => {
    const r = record((k) => k.s.toJS());
    expect(r.reads.has('*') && r.writes.has('*')).toBe(true);
  });

  it('without a recorder, k.s is the state itself (nothing recorded, no views)', () => {
    expect(k0.s).toBe(initial);
    expect(k0.cpu).toBe(initial.cpus[0]);
  });
});

describe('ownership and rule reads', () => {
  it('private registers belong to their CPU, TLBs and memory to nobody, task fields to their CPU', () => {
    expect(ownerOf(initial, 'cpu1.por_el1')).toBe('CPU1');
    expect(ownerOf(initial, 'cpu1.tlb')).toBeUndefined();
    expect(ownerOf(initial, 'mem:3:1')).toBeUndefined();
    expect(ownerOf(initial, 'cpu1.tlb@3')).toBeUndefined();
    expect(ownerOf(initial, 'cpu1.unpublished')).toBe('CPU1');
    expect(ownerOf(initial, 'cpu1.lagging')).toBeUndefined();
    expect(ownerOf(initial, 'task1.stack')).toBe(`CPU${initial.tasks[1].cpu}`);
    expect(ownerOf(initial, 'task1.comm')).toBeNull();
    expect(ownerOf(initial, 'cpu0.*')).toBeUndefined();
    expect(ownerOf(initial, 'irqs_left')).toBe((initial.irqs_left as unknown) === 0 ? null : undefined);
  });

  it('with task migration, runqueue fields are shared and a task belongs to the CPU running it', () => {
    const owner = kernelOwner(true);
    const running = initial.cpus[1].curr;
    const waiting = initial.tasks.findIndex((_, i) => !initial.cpus.some((c) => c.curr === i));
    expect(owner(initial, `task${running}.stack`)).toBe('CPU1');
    expect(owner(initial, `task${running}.__state`)).toBeUndefined();
    expect(owner(initial, `task${running}.cpu`)).toBeUndefined();
    expect(owner(initial, `task${waiting}.stack`)).toBeUndefined();
    expect(ownerOf(initial, `task${running}.cpu`)).toBeNull();
  });

  it('per-CPU IRQ budgets (a List) are keyed and owned per CPU', () => {
    const perCpu = initial.set('irqs_left', List([2, 1]) as never);
    const r = new Recorder();
    recordWhile(r, () => new K(perCpu, 0, model.env).update((s) => s.updateIn(['irqs_left', 0], (n) => (n as number) - 1)).s.irqs_left);
    expect([...r.writes]).toEqual(['cpu0.irqs_left']);
    const read = new Recorder();
    recordWhile(read, () => (new K(perCpu, 1, model.env).s.irqs_left as unknown as List<number>).get(1));
    expect([...read.reads]).toEqual(['cpu1.irqs_left']);
    expect(ownerOf(perCpu, 'cpu1.irqs_left')).toBe('CPU1');
  });

  it('every state predicate of the rules declares what it reads', () => {
    for (const rule of RULES) expect(ruleReads(rule.name, rule.holds !== undefined), rule.name).toBeDefined();
  });
});

describe('keys that keep rule-invisible steps invisible', () => {
  const seed = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6' });
  const s0 = [...seed.initialStates()][0];
  const kA = new K(s0, 0, seed.env);
  const recordSeed = (f: (k: K) => unknown) => {
    const r = new Recorder();
    recordWhile(r, () => f(kA));
    return r;
  };

  it('entering a lazy section in the kernel does not change the per-task verdict; returning to user space unbalanced does', () => {
    const enter = recordSeed((k) => k.setTask((t) => t.set('lazy_mmu_state', t.lazy_mmu_state.set('enable_count', 1))));
    expect(enter.writes.has('task0.lazy_mmu_state')).toBe(true);
    expect(enter.writes.has('task0.lazy_balanced')).toBe(false);
    const leave = recordSeed((k) => k.setTask((t) => t.set('lazy_mmu_state', t.lazy_mmu_state.set('enable_count', 1)).set('stack', [])));
    expect(leave.writes.has('task0.lazy_balanced')).toBe(true);
    // The decision reads what it depends on.
    expect([...enter.reads]).toEqual(expect.arrayContaining(['task0.lazy_mmu_state', 'task0.stack_empty', 'task0.__state']));
  });

  it('lazy-mmu-calls-balanced reads the derived key; the linear-alias rules read the linear map, not the vmalloc tables', () => {
    const reads = (name: string) => seed.invariants.find((i) => i.name === name)!.reads!;
    expect(reads('lazy-mmu-calls-balanced')).toEqual(['violations', 'task*.comm', 'task*.is_idle', 'task*.lazy_balanced']);
    const pkey = reads('pgtable-pages-carry-pgtables-pkey');
    expect(pkey).not.toContain('mem:*');
    const vmallocVa = regionBase(seed.env.geometry, 'vmalloc');
    const vmallocWalk = walkLatest(seed.env.geometry, s0.memory, seed.env.layout.root, vmallocVa).steps;
    const linearWalk = walkLatest(seed.env.geometry, s0.memory, seed.env.layout.root, linearAlias(seed.env.geometry, 0)).steps;
    const matches = (t: number, i: number) => pkey.includes(`mem:${t}:${i}`) || pkey.includes(`mem:${t}:*`);
    expect(linearWalk.every((st) => matches(st.table, st.index))).toBe(true);
    // The vmalloc pte (the last level of its walk) is no input of the rule.
    const leaf = vmallocWalk[vmallocWalk.length - 1];
    expect(matches(leaf.table, leaf.index)).toBe(false);
  });

  it('a linear-alias walk outside what the rules declare they read is a model error, not a blind spot', () => {
    const g = seed.env.geometry;
    const root = seed.env.layout.root;
    // The linear map's root entry made to point at the vmalloc region's tables.
    const vmallocTop = s0.memory.tables.get(root)!.get(tableIndex(g, regionBase(g, 'vmalloc'), 0));
    const bad = s0.setIn(['memory', 'tables', root, tableIndex(g, regionBase(g, 'linear map'), 0)], vmallocTop);
    expect(() => seed.invariants.find((i) => i.name === 'pgtable-pages-carry-pgtables-pkey')!.holds(bad)).toThrow(/outside what the rules declare they read/);
  });
});

