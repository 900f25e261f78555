/**
 * The seed 000 scenario under every design its file lists: the checker's verdict, the
 * property, and the splat of the violating state. The BFS numbers are regression numbers.
 */
import { describe, expect, it } from 'vitest';
import { check, type CheckResult } from '../../../checker/index.ts';
import type { KernelAction, KernelModel } from '../../../model/kernel-model.ts';
import { kernelModel } from '../../../model/kernel-model.ts';
import type { KernelState } from '../../../model/kernel/state.ts';
import { seedPorResetLazyMmu } from '../../../model/scenarios/seed-por-reset-lazy-mmu.ts';
import { getScenario } from '../../../model/scenarios/index.ts';
import { isSubsequence } from '../../../api/matrix.ts';

const SEED = getScenario('seed-por-reset-lazy-mmu');

/** Is `sub` a subsequence of `seq`, in order? */

function lastState(r: CheckResult<KernelState, KernelAction>): KernelState {
  const path = r.path!;
  return path.steps.length ? path.steps[path.steps.length - 1].state : path.initial;
}

const check_ = (m: KernelModel) => check(m) as CheckResult<KernelState, KernelAction>;

describe('isSubsequence (api/matrix.ts)', () => {
  it('in order, gaps allowed; out of order or missing is not', () => {
    expect(isSubsequence(['a', 'c'], ['a', 'b', 'c'])).toBe(true);
    expect(isSubsequence(['c', 'a'], ['a', 'b', 'c'])).toBe(false);
    expect(isSubsequence(['d'], ['a', 'b', 'c'])).toBe(false);
  });
});

describe('seed-por-reset-lazy-mmu: the expected verdict of every design', () => {
  it('is the scenario the registry returns, with (at least) the nine designs of the seed discussion', () => {
    expect(SEED).toBe(seedPorResetLazyMmu);
    expect(Object.keys(SEED.expectations)).toEqual(expect.arrayContaining([
      'v6',
      'v5',
      'v4',
      'v6-atomic-lazy-switch',
      'v6-no-por-reset',
      'v6-no-por-reset-atomic-lazy-switch',
      'v6-pause-lazy-mmu-in-finish-task-switch',
      'v6-guard-checks-live-por',
      'no-batching',
    ]));
  });

  for (const [design, exp] of Object.entries(SEED.expectations)) {
    it(`${design}: ${exp.verdict}${exp.property ? ` of ${exp.property}` : ''}`, () => {
      const r = check_(kernelModel(SEED, { design }));
      expect(r.verdict).toBe(exp.verdict);
      expect(r.property).toBe(exp.property);
      if (exp.verdict === 'pass') {
        expect(r.complete).toBe(true);
        expect(r.trace).toBeUndefined();
        return;
      }
      const s = lastState(r);
      expect(s.violations.has(exp.property!)).toBe(true);
      const oops = s.oops!;
      expect(oops).not.toBeNull();
      expect(oops.message.startsWith('Unable to handle kernel write to read-only memory at virtual address')).toBe(true);
      expect(oops.task).toBe('A');
      expect(oops.cpu).toBe(0);
      const trace = oops.callTrace.toArray();
      expect(isSubsequence(exp.callTrace!, trace), `${exp.callTrace!.join(' < ')} in ${trace.join(' < ')}`).toBe(true);
      expect(trace[0]).toBe('pageattr_pte_entry');
      const details = oops.details.toArray();
      expect(details.some((l) => l.includes('Overlay = 1'))).toBe(true);
      expect(details.some((l) => l.includes('level 3 permission fault'))).toBe(true);
      expect(details).toContain('  ESR = 0x000000409600004f');
      expect(details).toContain('  FSC = 0x0f: level 3 permission fault');
      expect(details).toContain('  CM = 0, WnR = 1, TnD = 0, TagAccess = 0');
      expect(details).toContain('CPU: 0 PID: 1 Comm: A');
    });
  }
});

describe('the live-POR guard with and without the enable window', () => {
  it("v6-no-por-reset + batching-guard=live-por violates lazy-section-restores-por (the nested section overwrites the saved POR)", () => {
    const r = check_(kernelModel(SEED, { design: 'v6-no-por-reset', set: ['batching-guard=live-por'] }));
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe('lazy-section-restores-por');
    expect(r.trace).toHaveLength(30);
    expect(r.stats.distinctStates).toBe(1073);
    const s = lastState(r);
    expect(s.oops).toBeNull();
    const v = s.violations.get('lazy-section-restores-por')!;
    expect(v.message).toBe('A left its lazy MMU section on CPU0 with POR_EL1 = 0x57 (pkey1 RW), entered with 0x17 (pkey1 R)');
    expect(v.callTrace.toArray()).toEqual(['lazy_mmu_mode_disable', '__vunmap_range_noflush', 'remove_vm_area', 'vfree']);
    expect(s.cpus[0].por_el1).toBe(0x57);
  });

  it('v6-no-por-reset-atomic-lazy-switch + batching-guard=live-por passes, complete', () => {
    const r = check_(kernelModel(SEED, { design: 'v6-no-por-reset-atomic-lazy-switch', set: ['batching-guard=live-por'] }));
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
    expect(r.property).toBeUndefined();
  });
});

describe('regression numbers (BFS)', () => {
  it('v6: the shortest counterexample is 18 steps; 508 distinct states with the default 2 IRQs', () => {
    const r = check_(kernelModel(SEED, { design: 'v6' }));
    expect(r.strategy).toBe('bfs');
    expect(r.trace).toHaveLength(18);
    expect(r.stats.distinctStates).toBe(508);
    expect(r.stats.generatedStates).toBe(594);
    expect(r.stats.depth).toBe(19);
  });

  it('v6 with one IRQ: the same 18 steps; 124 distinct states', () => {
    const r = check_(kernelModel(SEED, { design: 'v6', params: { irqs: 1 } }));
    expect(r.trace).toHaveLength(18);
    expect(r.stats.distinctStates).toBe(124);
    expect(r.stats.generatedStates).toBe(135);
    expect(r.stats.depth).toBe(19);
  });

  it('v6: the counterexample is the seed story, in the enable window', () => {
    const r = check_(kernelModel(SEED, { design: 'v6' }));
    // Who runs which kernel function at each step (the C text of the labels left out).
    const steps = r.trace!.map((t) => {
      const m = /^CPU(\d) (\S+): ([^:]+)(?::|$)/.exec(t.action);
      expect(m, t.action).not.toBeNull();
      return `${m![2]} ${m![3]}`;
    });
    expect(steps).toEqual([
      'A lazy_mmu_mode_enable',
      'A IRQ (timer)',
      'A arch_timer_handler_phys',
      'A el1_interrupt',
      'A preempt_schedule_irq',
      'A __schedule',
      'A __schedule',
      'B finish_task_switch',
      'B schedule',
      'B exit_mm',
      'B do_task_dead',
      'B __schedule',
      'B __schedule',
      'A finish_task_switch',
      'A mmdrop',
      'A lazy_mmu_mode_enable',
      'A pageattr_pte_entry',
      'A __set_pte',
    ]);
    expect(r.trace![1].action).toBe('CPU0 A: IRQ (timer)');
    expect(r.trace![2].action).toContain('[resched_curr(): set need_resched]');
    expect(r.trace![6].action).toContain('[switch to B]');
    expect(r.trace![12].action).toContain('[switch to A]');
    expect(r.trace![17].action).toBe('CPU0 A: __set_pte: WRITE_ONCE(*ptep, pte)');
  });
});
