/**
 * Drives the seed scenario's model by action labels, for the kernel step tests: task A runs
 * vfree() -> vunmap_pte_range() (a lazy section); B is runnable and exits when it runs.
 */
import { expect } from 'vitest';
import type { KernelState, Task } from '../../../model/kernel/state.ts';
import { kernelModel, type KernelModel, type KernelModelOptions } from '../../../model/kernel-model.ts';
import { getScenario } from '../../../model/scenarios/index.ts';

export const SEED = getScenario('seed-por-reset-lazy-mmu');
export const A = 0;
export const B = 1;

export function model(design = 'v6', set: readonly string[] = [], opts: KernelModelOptions = {}): KernelModel {
  return kernelModel(SEED, { design, set, ...opts });
}

export function initial(m: KernelModel): KernelState {
  const all = [...m.initialStates()];
  expect(all).toHaveLength(1);
  return all[0];
}

/** From `from` (default: the initial state), takes for each substring the unique enabled action whose label contains it. */
export function run(m: KernelModel, subs: readonly string[], from?: KernelState): KernelState[] {
  let s = from ?? initial(m);
  const states = [s];
  subs.forEach((sub, i) => {
    const matching = [...m.actions(s)].filter((a) => a.label.includes(sub));
    expect(
      matching.map((a) => a.label),
      `step ${i + 1} "${sub}" among ${[...m.actions(s)].map((a) => a.label).join(' | ')}`,
    ).toHaveLength(1);
    const next = m.nextState(s, matching[0]);
    expect(next).toBeDefined();
    s = next!;
    states.push(s);
  });
  return states;
}

export const end = (states: KernelState[]) => states[states.length - 1];
export const cpu0 = (s: KernelState) => s.cpus[0];
export const task = (s: KernelState, i: number): Task => s.tasks[i];
export const top = (s: KernelState, i: number) => task(s, i).stack.at(-1)!.fn;
export const labels = (m: KernelModel, s: KernelState) => [...m.actions(s)].map((a) => a.label);
