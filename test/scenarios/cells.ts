/**
 * A scenario's verdict table as a test: every design gives exactly its verdict, property,
 * trace length and state counts (regression numbers), passes are complete, and the faulting
 * call trace contains the expected functions in order.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { isSubsequence } from '../../api/matrix.ts';
import { Set as ISet } from 'immutable';
import { getScenario } from '../../model/scenarios/index.ts';
import type { KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';

/** [verdict, property, steps, distinct states, generated states (optional)] under the default bounds. */
export type Cell = readonly [string, string | undefined, number | undefined, number, number?];


/**
 * `exact`: the table lists exactly the designs the scenario declares (default true);
 * `invariants`: the scenario checks exactly these.
 */
export function expectCells(name: string, cells: Readonly<Record<string, Cell>>, opts: { exact?: boolean; invariants?: readonly string[] } = {}): void {
  const scenario = getScenario(name);
  describe(`${name}: every design gives its expected verdict`, () => {
    if (opts.exact ?? true)
      it('declares exactly the designs of the table', () => {
        expect(Object.keys(scenario.expectations)).toEqual(Object.keys(cells));
        if (opts.invariants) expect(scenario.invariants).toEqual(opts.invariants);
      });
    for (const [design, [verdict, property, steps, distinct, generated]] of Object.entries(cells)) {
      it(`${design}: ${verdict}${property ? ` of ${property} in ${steps} steps` : ''}, ${distinct} states`, () => {
        const { report } = runScenario(name, { design, reduction: 'none' }); // the unreduced regression numbers
        expect([report.verdict, report.property, report.trace?.length, report.stats.distinctStates]).toEqual([verdict, property, steps, distinct]);
        if (generated !== undefined) expect(report.stats.generatedStates).toBe(generated);
        expect(report.complete).toBe(verdict === 'pass');
        const exp = scenario.expectations[design];
        expect([exp.verdict, exp.property]).toEqual([verdict, property]);
        if (exp.callTrace) expect(isSubsequence(exp.callTrace, report.callTrace ?? []), (report.callTrace ?? []).join(' < ')).toBe(true);
      });
    }
  });
}

/** Every reachable state of a (small) scenario model. */
export function reachable(m: KernelModel): KernelState[] {
  let seen = ISet<KernelState>(m.initialStates());
  const todo = [...seen];
  while (todo.length) {
    const s = todo.pop()!;
    for (const a of m.actions(s)) {
      const n = m.nextState(s, a)!;
      if (!seen.has(n)) (seen = seen.add(n), todo.push(n));
    }
  }
  return [...seen];
}

/** The reachable states with no enabled action (where every run ends). */
export function finalStates(m: KernelModel): KernelState[] {
  return reachable(m).filter((s) => [...m.actions(s)].length === 0);
}
