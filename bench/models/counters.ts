/**
 * The benchmark's fixed model: N counters, each 0..MAX, kept in an Immutable List inside a
 * Record; action i increments counter i while it is below MAX. Every combination is
 * reachable, so the space has exactly (MAX + 1)^N states and
 * 1 + N * MAX * (MAX + 1)^(N - 1) generated states (the initial one plus every enabled step).
 *
 *   4 counters 0..20: 194,481 distinct / 740,881 generated (the default export)
 *   4 counters 0..10:  14,641 distinct /  53,241 generated (bench --quick)
 */
import { List, Record, type RecordOf } from 'immutable';
import { immutableCodec, type Model } from '../../checker/index.ts';

export interface CountersProps {
  readonly counters: List<number>;
}
export type CountersState = RecordOf<CountersProps>;

const makeState = Record<CountersProps>({ counters: List<number>() });

export function countersState(values: readonly number[]): CountersState {
  return makeState({ counters: List(values) });
}

export function countersModel(n: number, max: number): Model<CountersState, number> {
  const actions = Array.from({ length: n }, (_, i) => i);
  return {
    name: `counters-${n}x${max}`,
    initialStates: () => [countersState(new Array<number>(n).fill(0))],
    actions: () => actions,
    nextState(s, i) {
      const v = s.counters.get(i)!;
      return v < max ? s.set('counters', s.counters.set(i, v + 1)) : undefined;
    },
    invariants: [{ name: 'in-range', description: 'Every counter is within 0..MAX.', holds: (s) => s.counters.every((v) => v >= 0 && v <= max) }],
    actor: (i) => i,
    formatAction: (i) => `inc ${i}`,
    formatState: (s) => `[${s.counters.join(',')}]`,
    workerSource: { module: import.meta.url, export: 'countersModelOf', args: [n, max] },
    codec: immutableCodec([makeState]),
  };
}

/** `countersModel` with one argument, as worker threads call a model factory (`workerSource.args`). */
export const countersModelOf = ([n, max]: readonly [number, number]): Model<CountersState, number> => countersModel(n, max);

/** Distinct and generated states of `countersModel(n, max)`, for checking a full run. */
export function countersSpace(n: number, max: number): { distinct: number; generated: number } {
  return { distinct: (max + 1) ** n, generated: 1 + n * max * (max + 1) ** (n - 1) };
}

export default countersModel(4, 20);
