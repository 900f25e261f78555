/**
 * What a model declares so the checker may prune interleavings (partial-order reduction) and
 * merge symmetric states (symmetry reduction). See docs/reduction.md for the proofs' sources.
 */

/** Who takes a step: the value of `Model.actor(action)`. */
export type Actor = string | number;

/** The state components a step reads and writes, as keys (see keys.ts). */
export interface Footprint {
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

/**
 * Partial-order reduction support, by ownership (after the "safe"/local transitions of
 * Holzmann & Peled's static reduction, made dynamic: keys and owners may depend on the state).
 *
 * Contract (the checker's soundness rests on it; `checkReductionContract` tests it):
 * - `footprint(s, p)` covers every step actor `p` could take in `s`, enabled or not: all keys
 *   its enabled steps read or write, and all keys the enabling conditions of its disabled
 *   steps read. Each step's outcome (enabled or not, the successor) must be a function of the
 *   values of the keys it reads. Writing a key also counts as accessing it.
 * - `owner(s, k) === p`: from `s` on, as long as only other actors step, no other actor reads
 *   or writes `k` (ownership can only change by `p`'s own steps).
 * - `owner(s, k) === null`: from `s` on, nobody writes `k` (a constant, or a budget at zero).
 * - `owner(s, k) === undefined`: shared (the safe answer).
 * - Halting exception: a key whose only purpose in other steps' enabling conditions is to stop
 *   everything (the kernel's oops: once set no step is enabled and the state is `isFinal`) may
 *   be left out of those reads. Running an invisible local step before the halting step of
 *   another actor reaches a halted state that differs only in keys no invariant reads.
 */
export interface PartialOrderSupport<S> {
  footprint(state: S, actor: Actor): Footprint;
  owner(state: S, key: string): Actor | null | undefined;
  /**
   * Optional: the successors of `state` by the enabled steps of every actor but `actor`, in
   * action order (the C1 look-ahead explores only those; without it, it takes `actions` and
   * `nextState` and leaves `actor`'s out). Must be exactly those (`checkReductionContract`
   * compares them at every state).
   */
  successorsWithout?(state: S, actor: Actor): readonly { readonly actor: Actor; readonly state: S }[];
  /**
   * Optional: every actor that may take a step from `state` on, enabled here or not. With it the
   * look-ahead also collects the footprints of the actors with no step enabled (the keys their
   * enabling conditions read), and a summary of the others' future is handed across an
   * actor's own step that writes none of the keys read there; without it, only across a step
   * that writes keys the actor owns (ample.ts `expanded`).
   */
  actors?(state: S): readonly Actor[];
}

/**
 * Symmetry support (as TLC's SYMMETRY): `canonical(s)` returns one representative of the
 * orbit of `s` under the model's symmetry group (states equal up to permuting interchangeable
 * processes map to the same representative). Every checked invariant, `isFinal`, and the set
 * of enabled actions up to relabelling must be invariant under those permutations. The search
 * keeps concrete states, so traces remain concrete replayable schedules.
 */
export interface SymmetrySupport<S> {
  canonical(state: S): S;
}

/** `--reduction`: which reductions to use when the model supports them. */
export type ReductionMode = 'all' | 'por' | 'symmetry' | 'none';
export const REDUCTION_MODES: readonly ReductionMode[] = ['all', 'por', 'symmetry', 'none'];

/** What was actually on in a search (`stats.reduction` in results and `--json`). */
export interface ReductionStats {
  readonly requested: ReductionMode;
  readonly por: boolean;
  readonly symmetry: boolean;
  /** Why a requested reduction is off (the model lacks support, a bound makes it unsound). */
  readonly notes?: readonly string[];
  /** States expanded with a proper subset of their enabled actions (POR only). */
  readonly reducedStates?: number;
  /** States where one actor's steps would have done, expanded fully by the cycle proviso (POR only). */
  readonly provisoExpansions?: number;
  /**
   * Times the C1 look-ahead explored the other actors' future from a state (POR only); states
   * that inherit what a predecessor's look-ahead found need none.
   */
  readonly lookaheads?: number;
  /**
   * The cycle proviso used: `stack` (dfs), `ids` (bfs: refuse a successor found before the
   * state), `deferred` (bfs: the reduced edges were checked for cycles when the search drained,
   * and had none), `deferred, then ids` (they had one: the search ran again with `ids`).
   */
  readonly cycleProviso?: 'stack' | 'ids' | 'deferred' | 'deferred, then ids';
}
