/** What a search reports. The JSON printed by `mmcheck check --json` is this, serialised. */
import type { ReductionStats } from './reduction/types.ts';

export type Verdict = 'pass' | 'violation' | 'deadlock' | 'incomplete';
export type Strategy = 'bfs' | 'dfs' | 'random';

/** Why a search stopped before it could give a verdict. */
export type StopReason = 'max-states' | 'time-limit' | 'max-memory' | 'interrupted';

export interface TraceStep {
  /** The action's label (`formatAction`), which is how replay finds it again. */
  readonly action: string;
  readonly actor: string | number | null;
}

export interface Stats {
  /** Distinct states found (TLC: "distinct states found"). */
  readonly distinctStates: number;
  /** Initial states + every successor computed, duplicates included (TLC: "states generated"). */
  readonly generatedStates: number;
  /**
   * bfs: states on the longest shortest path, an initial state alone being depth 1 (TLC's "depth");
   * dfs: states on the deepest stack; random: states on the longest walk.
   */
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  /**
   * Memory of the search per distinct state: the visited table plus the peak growth of the
   * JavaScript heap during the search (the frontier, the states in it). A measurement: left
   * out of `--no-timing` JSON, like seconds.
   */
  readonly bytesPerState: number;
  /** Bytes of the visited table alone per distinct state (deterministic). */
  readonly tableBytesPerState: number;
  /** TLC's optimistic estimate: distinct * (generated - distinct) / 2^64. */
  readonly collisionProbability: number;
  /** Which reductions were on (partial-order, symmetry), and why a requested one was off. */
  readonly reduction?: ReductionStats;
}

export interface Bounds {
  readonly maxDepth?: number;
  readonly maxStates?: number;
  readonly timeLimitSeconds?: number;
  readonly maxPreemptions?: number;
  readonly deadlock?: boolean;
  /** random: number of walks. */
  readonly walks?: number;
}

export interface CheckResult<S = unknown, A = unknown> {
  readonly model: string;
  readonly strategy: Strategy;
  readonly seed?: number;
  readonly verdict: Verdict;
  /** The whole space within the depth/preemption bounds was explored. */
  readonly complete: boolean;
  /** The violated invariant's name (verdict `violation`), or `deadlock`. */
  readonly property?: string;
  readonly stopReason?: StopReason;
  /** Steps from the first one after the initial state. */
  readonly trace?: readonly TraceStep[];
  readonly stats: Stats;
  readonly bounds: Bounds;
  /** Did a depth or preemption bound actually cut off successors? */
  readonly boundsReached?: { readonly maxDepth: boolean; readonly maxPreemptions: boolean };
  /** The violating path with states, for renderers (not serialised). */
  readonly path?: Path<S, A>;
  /** The counterexample was shortened after it was found (random, dfs). */
  readonly shrunk?: boolean;
  /** Its length in steps before shrinking. */
  readonly originalLength?: number;
  /** Every violation found when `continueAfterViolation` is set (first one per property). */
  readonly violations?: readonly { property: string; trace: readonly TraceStep[] }[];
}

/** A replayable path: the initial state, then (action, state) pairs. */
export interface Path<S, A> {
  readonly initial: S;
  readonly steps: readonly { readonly action: A; readonly state: S }[];
}

export function collisionProbability(distinct: number, generated: number): number {
  return (distinct * Math.max(0, generated - distinct)) / 2 ** 64;
}

/** Serialises a result for `--json`: everything but the in-memory path. */
export function resultToJson(result: CheckResult, options: { timing?: boolean } = {}): Record<string, unknown> {
  const { path: _path, stats, ...rest } = result;
  const timing = options.timing ?? true;
  const statsOut: Record<string, unknown> = { ...stats };
  if (!timing) {
    delete statsOut.seconds;
    delete statsOut.statesPerSecond;
    delete statsOut.bytesPerState;
  }
  return { ...rest, stats: statsOut };
}
