/**
 * The kernel context K (model/kernel/exec.ts) keeps a step's updates to one task pending and
 * writes them into the state when the state is read as a whole. That must be invisible: any
 * sequence of context operations gives the same state, and the same running task and frame on
 * the way, as writing every update at once (what K does while a footprint is recorded).
 */
import fc from 'fast-check';
import { is } from 'immutable';
import { describe, expect, it } from 'vitest';
import { K, kfunction } from '../../../model/kernel/exec.ts';
import { Recorder, recordWhile } from '../../../model/kernel/footprint.ts';
import type { KernelState } from '../../../model/kernel/state.ts';
import { getScenario } from '../../../model/scenarios/index.ts';
import { kernelModel } from '../../../model/kernel-model.ts';

const m = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6', params: { cpus: 2 } });
const start = [...m.initialStates()][0];
const callee = kfunction('test_callee', 'test', []);

type Op =
  | { readonly kind: 'setLocal'; readonly name: string; readonly value: number | undefined }
  | { readonly kind: 'setLocals'; readonly a: number; readonly b: number }
  | { readonly kind: 'next' }
  | { readonly kind: 'call' }
  | { readonly kind: 'pushFrame' }
  | { readonly kind: 'ret'; readonly value: number | undefined }
  | { readonly kind: 'setCpu'; readonly cpu: number; readonly preempt: number }
  | { readonly kind: 'switchTo'; readonly task: number }
  | { readonly kind: 'setTask'; readonly task: number; readonly por: number }
  | { readonly kind: 'update'; readonly n: number }
  | { readonly kind: 'readState' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('setLocal' as const), name: fc.constantFrom('x', 'y'), value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('setLocals' as const), a: fc.integer({ min: 0, max: 3 }), b: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'next' as const }),
  fc.constant({ kind: 'call' as const }),
  fc.constant({ kind: 'pushFrame' as const }),
  fc.record({ kind: fc.constant('ret' as const), value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('setCpu' as const), cpu: fc.constantFrom(0, 1), preempt: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('switchTo' as const), task: fc.nat() }),
  fc.record({ kind: fc.constant('setTask' as const), task: fc.nat(), por: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('update' as const), n: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'readState' as const }),
);

function apply(k: K, op: Op): K {
  const tasks = k.s.tasks.length;
  switch (op.kind) {
    case 'setLocal':
      return k.task.stack.length === 0 ? k : k.setLocal(op.name, op.value);
    case 'setLocals':
      return k.task.stack.length === 0 ? k : k.setLocals({ x: op.a, y: op.b });
    case 'next':
      return k.task.stack.length === 0 ? k : k.next();
    case 'call':
      return k.task.stack.length === 0 ? k : k.call(callee, { arg: 1 });
    case 'pushFrame':
      return k.pushFrame(callee, { arg: 2 });
    case 'ret':
      return k.task.stack.length === 0 ? k : k.ret(op.value);
    case 'setCpu':
      return k.setCpu((c) => c.set('preempt_count', op.preempt), op.cpu);
    case 'switchTo':
      // rq->curr changes: the running task is another one from here on.
      return k.setCpu((c) => c.set('curr', op.task % tasks));
    case 'setTask':
      return k.setTask((t) => t.set('thread_por_el1', op.por), op.task % tasks);
    case 'update':
      return k.update((s) => s.set('evictions_left', op.n));
    case 'readState':
      return k.s.tasks === k.raw.tasks ? k : k;
  }
}

/** The states and (running task, frame) seen along the way. */
function trace(ops: readonly Op[], eager: boolean): { states: KernelState[]; seen: unknown[] } {
  const go = () => {
    let k = new K(start, 0, m.env);
    const states: KernelState[] = [];
    const seen: unknown[] = [];
    for (const op of ops) {
      k = apply(k, op);
      seen.push([k.taskId, k.task.stack.length, k.task.stack.at(-1)?.toJS() ?? null, k.cpu.preempt_count]);
      if (op.kind === 'readState') states.push(k.raw);
    }
    states.push(k.raw);
    return { states, seen };
  };
  // While a footprint is recorded, K writes every update into the state at once.
  return eager ? recordWhile(new Recorder(), go) : go();
}

describe('K: pending task updates', () => {
  it('any sequence of context operations: the same states and the same running task and frame as writing every update at once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (ops) => {
        const lazy = trace(ops, false);
        const eager = trace(ops, true);
        expect(lazy.seen).toEqual(eager.seen);
        expect(lazy.states.length).toBe(eager.states.length);
        lazy.states.forEach((s, i) => expect(is(s, eager.states[i])).toBe(true));
      }),
      { numRuns: 400 },
    );
  });

  it('a local set by a step is in the state it gives, and two tasks updated in one step both are', () => {
    let k = new K(start, 0, m.env).setLocal('x', 3);
    const other = (k.taskId + 1) % k.s.tasks.length;
    k = k.setTask((t) => t.set('thread_por_el1', 0x11), other).setLocal('y', 4);
    const s = k.raw;
    const top = s.tasks[k.taskId].stack.at(-1)!;
    expect([top.locals.x, top.locals.y]).toEqual([3, 4]);
    expect(s.tasks[other].thread_por_el1).toBe(0x11);
    expect(k.raw).toBe(s); // written back once
  });
});
