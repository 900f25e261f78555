/** What "an interrupt" and "a preemption" are in a kernel trace, for the shrinker. */
import type { CheckResult, Path } from '../../checker/index.ts';
import { kernelModel, type KernelAction, type KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { shrinkWith, type ShrinkHooks } from '../shrink.ts';
import { stepViews } from './steps.ts';

/** Each IRQ with its handler's steps: from the IRQ to the kernel_exit of that exception, on that CPU. */
function irqGroups(path: Path<KernelState, KernelAction>): number[][] {
  const groups: number[][] = [];
  path.steps.forEach((st, i) => {
    if (st.action.kind !== 'irq') return;
    const cpu = st.action.cpu;
    const depthAfter = (s: KernelState) => s.tasks[s.cpus[cpu].curr]!.stack.filter((f) => f.fn === 'el1h_64_irq').length;
    const task = st.state.cpus[cpu].curr;
    const group = [i];
    const depth = depthAfter(st.state);
    for (let j = i + 1; j < path.steps.length; j++) {
      const sj = path.steps[j];
      if (sj.action.cpu !== cpu) continue;
      group.push(j);
      const s = sj.state;
      if (s.cpus[cpu].curr === task && depthAfter(s) < depth) break;
    }
    groups.push(group);
  });
  return groups;
}

export function kernelShrinkHooks(model: KernelModel): ShrinkHooks<KernelState, KernelAction> {
  return {
    isInterrupt: (a) => a.kind === 'irq',
    preemptions: (p) => stepViews(model, p).filter((v) => v.isPreemption).length,
    groups: irqGroups,
    withInterruptBound: (n) =>
      kernelModel(model.scenario, {
        design: model.design,
        params: { ...model.params, irqs: Math.min(n, model.params.irqs) },
        invariants: model.invariants.map((i) => i.name),
      }),
  };
}

/** Shrinks a kernel check's counterexample (dfs/random: steps; all: fewer IRQs at equal length). */
export function shrinkResult(model: KernelModel, r: CheckResult<KernelState, KernelAction>): CheckResult<KernelState, KernelAction> {
  return shrinkWith(model, r, kernelShrinkHooks(model));
}
