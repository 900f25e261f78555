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
}
