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
