/**
 * Under partial-order reduction the kernel model records footprints while the steps that give
 * the successors run (model/kernel-model.ts), instead of running each step twice: the states
 * those recorded runs produce must be exactly the states a plain run produces (no view of the
 * recorder may leak into a state, no step may behave differently while watched).
 */
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../checker/fingerprint.ts';
import { kernelModel, type KernelModel } from '../../model/kernel-model.ts';
import { getScenario } from '../../model/scenarios/index.ts';
import type { KernelState } from '../../model/kernel/state.ts';

const key = (s: KernelState) => {
  const f = fingerprintOf(s);
  return `${f.hi}:${f.lo}`;
};

/** Labels and successor fingerprints of `s`, in action order. */
function successors(m: KernelModel, s: KernelState): string[] {
  return [...m.actions(s)].map((a) => `${a.label} -> ${key(m.nextState(s, a)!)}`);
}

/** Breadth-first over the plain model's first `limit` states, comparing both models' successors at each. */
function compare(scenario: string, design: string, params: Record<string, number>, limit: number): { states: number; mismatches: string[] } {
  const plain = kernelModel(getScenario(scenario), { design, params });
  const recorded = kernelModel(getScenario(scenario), { design, params });
  const [init] = recorded.initialStates();
  // The first footprint asked for switches recording on, for good.
  recorded.por!.footprint(init, 'CPU0');
  const seen = new Set<string>([key(init)]);
  const queue: KernelState[] = [init];
  const mismatches: string[] = [];
  for (let head = 0; head < queue.length && seen.size < limit; head++) {
    const s = queue[head];
    const want = successors(plain, s);
    const got = successors(recorded, s);
    if (want.join('\n') !== got.join('\n')) mismatches.push(`state ${head}: ${JSON.stringify(want)} vs ${JSON.stringify(got)}`);
    for (const a of plain.actions(s)) {
      const next = plain.nextState(s, a)!;
      const k = key(next);
      if (!seen.has(k)) seen.add(k), queue.push(next);
    }
  }
  return { states: seen.size, mismatches: mismatches.slice(0, 3) };
}

describe('successors recorded for footprints are the plain successors', () => {
  it.each([
    ['seed-por-reset-lazy-mmu', 'v6', { cpus: 2, irqs: 1 }],
    ['seed-por-reset-lazy-mmu', 'v6-pause-lazy-mmu-in-finish-task-switch', { cpus: 2, irqs: 1 }],
    ['tlbi-elision', 'v6', {}],
    ['bbm-block-split', 'split-bbml2', {}],
    ['cont-pte-by-pte', 'split-bbml2', {}],
  ] as const)('%s under %s %o', (scenario, design, params) => {
    const r = compare(scenario, design, params, 3000);
    expect(r.mismatches).toEqual([]);
    expect(r.states).toBeGreaterThan(100);
  });
});
