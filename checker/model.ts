import type { PartialOrderSupport, SymmetrySupport } from './reduction/types.ts';

/**
 * The whole contract between a model and the checker (after Stateright's `Model` trait).
 *
 * The checker knows nothing of the domain: it asks for initial states, candidate actions and
 * successors, evaluates invariants, and keeps 64-bit fingerprints of what it has seen.
 * A model must be deterministic: `actions(s)` must list the same actions in the same order
 * every time it is asked about an equal state, because traces are rebuilt by replaying
 * action indices from the initial state.
 */
export interface Invariant<S> {
  /** A stable identifier, used on the command line and in JSON (`--json` `property`). */
  readonly name: string;
  /** One sentence a maintainer would say, shown in listings and violation reports. */
  readonly description?: string;
  holds(state: S): boolean;
  /**
   * The state keys `holds` depends on (see `Model.por`), `*` matching any run of characters
   * ("cpu*.por_el1"). Omitted: it reads everything, so partial-order reduction may postpone
   * no step that writes anything.
   */
  readonly reads?: readonly string[];
}

export interface Model<S, A> {
  readonly name: string;
  initialStates(): Iterable<S>;
  /** Candidate actions in this state; `nextState` decides which are enabled. */
  actions(state: S): Iterable<A>;
  /** The successor, or `undefined` when the action is not enabled in `state`. */
  nextState(state: S, action: A): S | undefined;
  readonly invariants: readonly Invariant<S>[];
  /** Who takes the step (thread, CPU); needed for `maxPreemptions`. */
  actor?(action: A): string | number;
  /** A proper end state, not a deadlock. */
  isFinal?(state: S): boolean;
  /** Overrides the default structural fingerprint. */
  fingerprint?(state: S): bigint | string;
  /** The action's label in traces and replay; must tell apart the actions enabled in a state. */
  formatAction?(action: A): string;
  /** Optional: how a state is shown in human-readable traces. */
  formatState?(state: S): string;
  /**
   * Opt-in partial-order reduction (`--reduction por|all`; checker/reduction/types.ts has the
   * full contract, docs/reduction.md the proof sketch and references; examples/two-counters.ts
   * is a small model that opts in). Needs `actor`. Keys name state components ("x",
   * "cpu0.por_el1"); the model says
   * - `footprint(s, p)`: the keys every step actor `p` could take in `s` reads and writes
   *   (for a disabled step: what its enabling condition reads);
   * - `owner(s, key)`: the actor that alone touches `key` from `s` on (as long as it does
   *   not give it up by its own steps), `null` if nobody writes it from `s` on, `undefined`
   *   if shared.
   * At a state the search may then explore only one actor's enabled steps, when all their keys
   * are its own (or constant) and no checked invariant reads what they write
   * (`Invariant.reads`). Verdicts are those of the full search; BFS traces may be longer
   * than the shortest.
   */
  readonly por?: PartialOrderSupport<S>;
  /**
   * Opt-in symmetry reduction (`--reduction symmetry|all`), as TLC's SYMMETRY: states are
   * identified by the fingerprint of `canonical(state)`. Invariants must not tell symmetric
   * states apart. Traces stay concrete.
   */
  readonly symmetry?: SymmetrySupport<S>;
  /**
   * How a worker thread builds this model (`workers > 1`): a module to import (a file URL)
   * and its export (default `default`): either the model itself or a factory called with
   * `args` (which must survive structured clone). `--model FILE` models get this set to the
   * file's default export automatically.
   */
  readonly workerSource?: WorkerSource;
  /**
   * How states cross between worker threads, when structured clone does not keep them
   * (class instances, Immutable.js values: see `immutableCodec` in checker/codec.ts). Plain
   * objects, arrays, numbers, strings and booleans need none. `decode(encode(s))` must be
   * equal to `s` (same fingerprint, same actions).
   */
  readonly codec?: StateCodec<S>;
}

/** A reference a worker thread can follow to build the same model. */
export interface WorkerSource {
  /** A file URL (`import.meta.url` of the module that defines the model, for example). */
  readonly module: string;
  /** The export to use; default `default`. A function is called with `args` to build the model. */
  readonly export?: string;
  readonly args?: unknown;
}

export interface StateCodec<S> {
  encode(state: S): unknown;
  decode(data: unknown): S;
}
