/**
 * The broken variant of Peterson's algorithm: each process tests the other's flag before
 * setting its own, and there is no turn variable.
 *
 *   a0: while (TRUE) {
 *   a1:   await ~flag[1 - self];
 *   a2:   flag[self] := TRUE;
 *   cs:   skip;  \* critical section
 *   a3:   flag[self] := FALSE; }
 *
 * Both processes can pass a1 before either sets its flag. TLC: mutual exclusion is violated
 * with a shortest trace of 6 steps; the whole space is 25 distinct / 47 generated / depth 9.
 */
import type { Model } from '../checker/index.ts';

export type Pc = 'a0' | 'a1' | 'a2' | 'cs' | 'a3';
export interface NoTurnState {
  readonly pc: readonly [Pc, Pc];
  readonly flag: readonly [boolean, boolean];
}
export interface Step {
  readonly proc: 0 | 1;
}

const NEXT: Record<Pc, Pc> = { a0: 'a1', a1: 'a2', a2: 'cs', cs: 'a3', a3: 'a0' };

function set<T>(pair: readonly [T, T], i: 0 | 1, v: T): readonly [T, T] {
  return i === 0 ? [v, pair[1]] : [pair[0], v];
}

const petersonNoTurn: Model<NoTurnState, Step> = {
  name: 'peterson-no-turn',
  initialStates: () => [{ pc: ['a0', 'a0'], flag: [false, false] }],
  actions: () => [{ proc: 0 }, { proc: 1 }],
  nextState(s, { proc: self }) {
    const other = (1 - self) as 0 | 1;
    const pc = s.pc[self];
    const advance = (t: Partial<NoTurnState>): NoTurnState => ({ ...s, ...t, pc: set(s.pc, self, NEXT[pc]) });
    switch (pc) {
      case 'a0':
      case 'cs':
        return advance({});
      case 'a1':
        return s.flag[other] ? undefined : advance({});
      case 'a2':
        return advance({ flag: set(s.flag, self, true) });
      case 'a3':
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
  formatState: (s) => `pc=[${s.pc.join(',')}] flag=[${s.flag.join(',')}]`,
};

export default petersonNoTurn;
