/** Footprints of kernel steps, recorded by views of the state while the step runs (model/kernel/footprint.ts). */
import { describe, expect, it } from 'vitest';
import { K } from '../../model/kernel/exec.ts';
import { flushTlbKernelRange } from '../../model/kernel/hw.ts';
import { Recorder, recordWhile, ownerOf, ruleReads } from '../../model/kernel/footprint.ts';
import { kernelModel } from '../../model/kernel-model.ts';
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
    const r = record((k) => [k.cpu.preempt_count, k.task.lazy_mmu_state, k.s.memory, k.s.tasks.get(1)!.comm, k.local('x')]);
    expect([...r.reads].sort()).toEqual(['cpu0.curr', 'cpu0.preempt_count', 'memory', 'task0.lazy_mmu_state', 'task0.stack', 'task1.comm'].sort());
    expect([...r.writes]).toEqual([]);
  });

  it('a broadcast TLBI writes every CPU TLB, and nothing else of theirs', () => {
    const r = record((k) => flushTlbKernelRange(k, 0, 1));
    expect([...r.writes].sort()).toEqual(['cpu0.tlb', 'cpu1.tlb', 'memory']);
  });

  it('a task entering or leaving the kernel also writes its stack_empty key', () => {
    const r = record((k) => k.setTask((t) => t.set('stack', t.stack.clear())));
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
    expect(k0.cpu).toBe(initial.cpus.get(0));
  });
});

describe('ownership and rule reads', () => {
  it('private registers belong to their CPU, TLBs and memory to nobody, task fields to their CPU', () => {
    expect(ownerOf(initial, 'cpu1.por_el1')).toBe('CPU1');
    expect(ownerOf(initial, 'cpu1.tlb')).toBeUndefined();
    expect(ownerOf(initial, 'memory')).toBeUndefined();
    expect(ownerOf(initial, 'task1.stack')).toBe(`CPU${initial.tasks.get(1)!.cpu}`);
    expect(ownerOf(initial, 'task1.comm')).toBeNull();
    expect(ownerOf(initial, 'cpu0.*')).toBeUndefined();
    expect(ownerOf(initial, 'irqs_left')).toBe(initial.irqs_left === 0 ? null : undefined);
  });

  it('every state predicate of the rules declares what it reads', () => {
    for (const rule of RULES) expect(ruleReads(rule.name, rule.holds !== undefined), rule.name).toBeDefined();
  });
});
