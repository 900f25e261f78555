/**
 * A generic model that opts in to partial-order reduction (see `Model.por` in
 * checker/model.ts and docs/reduction.md): two processes each count privately to N in local
 * steps, then add their count to a shared total under no lock (a read, then a write), then
 * finish. `no-lost-update` fails (the read/write race); the N counting steps of each process
 * commute with everything the other does, and no invariant reads the private counts.
 *
 *   p: while (mine < N) mine++;      \* local: keys p<i>.pc, p<i>.mine
 *      tmp := total;                 \* reads the shared key "total"
 *      total := tmp + mine;          \* writes it
 *
 * Distinct states (N = 4, --continue): 68 unreduced, 28 with `--reduction por`, which explores
 * the counting prefixes in one order only.
 */
import type { Model } from '../checker/index.ts';

export const N = 4;

export interface CountersState {
  readonly pc: readonly ('count' | 'read' | 'write' | 'done')[];
  readonly mine: readonly number[];
  readonly tmp: readonly number[];
  readonly total: number;
}

const PROCS = [0, 1] as const;

function with_<T>(xs: readonly T[], i: number, v: T): readonly T[] {
  return xs.map((x, j) => (j === i ? v : x));
}

const twoCounters: Model<CountersState, number> = {
  name: 'two-counters',
  initialStates: () => [{ pc: ['count', 'count'], mine: [0, 0], tmp: [0, 0], total: 0 }],
  actions: () => PROCS,
  nextState(s, p) {
    switch (s.pc[p]) {
      case 'count':
        return s.mine[p] < N ? { ...s, mine: with_(s.mine, p, s.mine[p] + 1) } : { ...s, pc: with_(s.pc, p, 'read') };
      case 'read':
        return { ...s, tmp: with_(s.tmp, p, s.total), pc: with_(s.pc, p, 'write') };
      case 'write':
        return { ...s, total: s.tmp[p] + s.mine[p], pc: with_(s.pc, p, 'done') };
      case 'done':
        return undefined;
    }
  },
  invariants: [
    {
      name: 'total-bounded',
      description: 'The shared total never exceeds what both can count.',
      holds: (s) => s.total <= 2 * N,
      reads: ['total'],
    },
    {
      name: 'no-lost-update',
      description: 'Once both have finished, the total holds both counts (fails: the read/write race).',
      holds: (s) => !(s.pc[0] === 'done' && s.pc[1] === 'done') || s.total === 2 * N,
      reads: ['total', 'p*.pc'],
    },
  ],
  actor: (p) => p,
  isFinal: (s) => s.pc.every((pc) => pc === 'done'),
  formatAction: (p) => `P${p}`,
  formatState: (s) => `pc=[${s.pc.join(',')}] mine=[${s.mine.join(',')}] tmp=[${s.tmp.join(',')}] total=${s.total}`,
  por: {
    /** Process p's next step: its pc and count always; the shared total in read and write. */
    footprint(s, actor) {
      const p = actor as number;
      const own = [`p${p}.pc`, `p${p}.mine`, `p${p}.tmp`];
      const pc = s.pc[p];
      if (pc === 'read') return { reads: [...own, 'total'], writes: [`p${p}.tmp`, `p${p}.pc`] };
      if (pc === 'write') return { reads: own, writes: ['total', `p${p}.pc`] };
      if (pc === 'done') return { reads: [`p${p}.pc`], writes: [] };
      // Counting writes only the private count (invisible: no invariant reads it); the last
      // count step moves the pc, which `no-lost-update` reads (visible).
      return { reads: own, writes: s.mine[p] < N ? [`p${p}.mine`] : [`p${p}.pc`] };
    },
    /** Each process owns its own variables; the total is shared. */
    owner(_s, key) {
      const m = /^p(\d)\./.exec(key);
      return m ? Number(m[1]) : undefined;
    },
  },
};

export default twoCounters;
