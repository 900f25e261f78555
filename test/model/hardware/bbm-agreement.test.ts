/**
 * Rule 7 (break-before-make, the maintainers' rule on stores) agrees with the hardware: on every
 * matrix cell that checks it, and on the in-place split under each FEAT_BBM level, the rule is
 * violated exactly when a TLB conflict abort is reachable. (Rule 12 is checked alongside, since
 * the model does not run on past a sleep in atomic context.)
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../api/check-scenario.ts';
import { kernelModel } from '../../../model/kernel-model.ts';
import { allScenarios, getScenario } from '../../../model/scenarios/index.ts';
import { Set as ISet } from 'immutable';
import type { KernelModel } from '../../../model/kernel-model.ts';
import type { KernelState } from '../../../model/kernel/state.ts';

interface Cell {
  readonly scenario: string;
  readonly design: string;
  readonly set: readonly string[];
}

const cells: Cell[] = allScenarios()
  .filter((s) => s.invariants.includes('break-before-make'))
  .flatMap((s) => Object.keys(s.expectations).map((design) => ({ scenario: s.name, design, set: [] as string[] })));
for (const level of ['0', '1', '2', '2-noabort']) cells.push({ scenario: 'bbm-block-split', design: 'split-in-place-without-bbml2', set: [`bbm-level=${level}`] });

/** What each cell gives: [rule 7 violated, a TLB conflict abort reachable]. */
const EXPECTED: Record<string, readonly [boolean, boolean]> = {
  'partial-block-overlap × v6': [false, false],
  'partial-block-overlap × linear-map-blocks': [false, false],
  'partial-block-overlap × split-bbml2': [false, false],
  'partial-block-overlap × walker-without-overlap-check': [false, false],
  'bbm-block-split × v6': [false, false],
  'bbm-block-split × split-bbml2': [false, false],
  'bbm-block-split × split-in-place-without-bbml2': [true, true],
  'bbm-block-split × split-noblock-pgtable-alloc': [false, false],
  'bbm-block-split × split-stop-machine': [false, false],
  'bbm-block-split × split-break-before-make': [false, false],
  'split-in-atomic × v6': [false, false],
  'split-in-atomic × split-bbml2': [false, false],
  'split-in-atomic × split-without-kfence-early-return': [false, false],
  'split-in-atomic × pte-linear-map-without-kfence-early-return': [false, false],
  'bbm-block-split × split-in-place-without-bbml2 bbm-level=0': [true, true],
  'bbm-block-split × split-in-place-without-bbml2 bbm-level=1': [true, true],
  'bbm-block-split × split-in-place-without-bbml2 bbm-level=2': [true, true],
  'bbm-block-split × split-in-place-without-bbml2 bbm-level=2-noabort': [false, false],
};

/**
 * The reachable states, not expanding those where the kernel slept in atomic context (rule 12,
 * recorded): past that point the model does not go on (a recursive mutex_lock() is a model error).
 */
function reachableUntilSleep(m: KernelModel): KernelState[] {
  let seen = ISet<KernelState>(m.initialStates());
  const todo = [...seen];
  while (todo.length) {
    const s = todo.pop()!;
    if (s.violations.has('atomic-context-never-sleeps')) continue;
    for (const a of m.actions(s)) {
      const n = m.nextState(s, a)!;
      if (!seen.has(n)) (seen = seen.add(n), todo.push(n));
    }
  }
  return [...seen];
}

const key = (c: Cell) => `${c.scenario} × ${c.design}${c.set.length ? ` ${c.set.join(' ')}` : ''}`;

describe('rule 7 agrees with the hardware', () => {
  it('the table lists exactly the cells that check rule 7, and the bbm-level variants', () => {
    expect(cells.map(key).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const c of cells) {
    it(key(c), () => {
      const rule = runScenario(c.scenario, { design: c.design, set: c.set, invariants: ['atomic-context-never-sleeps', 'break-before-make'] }).report;
      const ruleViolated = rule.property === 'break-before-make';
      const states = reachableUntilSleep(kernelModel(getScenario(c.scenario), { design: c.design, set: c.set, invariants: ['atomic-context-never-sleeps', 'kernel-does-not-oops'] }));
      const conflict = states.some((s) => s.oops?.message.startsWith('Unable to handle kernel TLB conflict abort') ?? false);
      expect([ruleViolated, conflict]).toEqual(EXPECTED[key(c)]);
      expect(ruleViolated).toBe(conflict);
    });
  }
});
