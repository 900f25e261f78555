/**
 * Peterson's mutual exclusion for two processes, as in the PlusCal version checked with TLC:
 *
 *   a0: while (TRUE) {
 *   a1:   flag[self] := TRUE;
 *   a2:   turn := 1 - self;
 *   a3:   await ~flag[1 - self] \/ turn = self;
 *   cs:   skip;  \* critical section
 *   a4:   flag[self] := FALSE; }
 *
 * TLC: 42 distinct states, 77 generated, depth 11, no violation.
 */
import type { Model } from '../checker/index.ts';

export type Pc = 'a0' | 'a1' | 'a2' | 'a3' | 'cs' | 'a4';
export interface PetersonState {
  readonly pc: readonly [Pc, Pc];
  readonly flag: readonly [boolean, boolean];
  readonly turn: 0 | 1;
}
export interface Step {
  readonly proc: 0 | 1;
}

const NEXT: Record<Pc, Pc> = { a0: 'a1', a1: 'a2', a2: 'a3', a3: 'cs', cs: 'a4', a4: 'a0' };

function set<T>(pair: readonly [T, T], i: 0 | 1, v: T): readonly [T, T] {
  return i === 0 ? [v, pair[1]] : [pair[0], v];
}

const peterson: Model<PetersonState, Step> = {
  name: 'peterson',
  initialStates: () => [{ pc: ['a0', 'a0'], flag: [false, false], turn: 0 }],
  actions: () => [{ proc: 0 }, { proc: 1 }],
  nextState(s, { proc: self }) {
    const other = (1 - self) as 0 | 1;
    const pc = s.pc[self];
    const advance = (t: Partial<PetersonState>): PetersonState => ({ ...s, ...t, pc: set(s.pc, self, NEXT[pc]) });
    switch (pc) {
      case 'a0':
      case 'cs':
        return advance({});
      case 'a1':
        return advance({ flag: set(s.flag, self, true) });
      case 'a2':
        return advance({ turn: other });
      case 'a3':
        return !s.flag[other] || s.turn === self ? advance({}) : undefined;
      case 'a4':
        return advance({ flag: set(s.flag, self, false) });
    }
  },
  invariants: [
    {
      name: 'mutual-exclusion',
      description: 'At most one process is in its critical section.',
      holds: (s) => !(s.pc[0] === 'cs' && s.pc[1] === 'cs'),
    },
  ],
  actor: (a) => a.proc,
  formatAction: (a) => `proc ${a.proc}`,
  formatState: (s) => `pc=[${s.pc.join(',')}] flag=[${s.flag.join(',')}] turn=${s.turn}`,
};

export default peterson;
