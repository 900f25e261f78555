/**
 * Ample sets by ownership (partial-order reduction), checked at each state:
 *
 * - C0 (non-empty): the chosen actor has at least one enabled action.
 * - C1 (persistence): every key the actor's candidate steps (enabled or not) touch is owned by
 *   it or never written again, so no sequence of other actors' steps can enable, disable or
 *   change the effect of any of its steps, nor be changed by them: they commute with all of it.
 * - C2 (invisibility): the ample set is always a proper subset here (two or more actors have
 *   enabled actions), so none of its steps may write a key a checked invariant reads.
 * - C3 (cycles): enforced by the search (bfs.ts: a successor already seen at the same or a
 *   smaller BFS depth forces full expansion; dfs.ts: a successor on the DFS stack does), so
 *   every cycle of the reduced graph holds a fully expanded state and no action is postponed
 *   forever.
 *
 * References: D. Peled, "All from one, one for all: on model checking using representatives",
 * CAV 1993 (ample sets, C0–C3); P. Godefroid, "Partial-Order Methods for the Verification of
 * Concurrent Systems", LNCS 1032, 1996 (persistent sets); A. Valmari, "Stubborn sets for reduced
 * state space generation", 1990; G. Holzmann & D. Peled, "An improvement in formal verification",
 * FORTE 1994 (safe/local transitions); E. Clarke, O. Grumberg, D. Peled, "Model Checking", 1999,
 * ch. 10 ("every cycle contains a fully expanded state"); D. Bošnački, S. Leue, A. Lluch
 * Lafuente, "Partial-order reduction for general state exploring algorithms", STTT 2009, and
 * D. Bošnački & G. Holzmann, "Improving Spin's partial-order reduction for breadth-first search",
 * SPIN 2005 (cycle provisos for BFS).
 */
import type { Invariant } from '../model.ts';
import { UsageError } from '../errors.ts';
import { keyMatcher } from './keys.ts';
import type { Actor, PartialOrderSupport } from './types.ts';

export class AmpleSets<S> {
  private readonly visible: (key: string) => boolean;

  constructor(
    private readonly support: PartialOrderSupport<S>,
    invariants: readonly Invariant<S>[],
  ) {
    for (const i of invariants)
      if (i.reads !== undefined && (!Array.isArray(i.reads) || !i.reads.every((k) => typeof k === 'string')))
        throw new UsageError(`invariant "${i.name}": reads must be an array of key strings`);
    const readers = invariants.map((i) => keyMatcher(i.reads));
    this.visible = (key) => readers.some((reads) => reads(key));
  }

  /**
   * The enabled actions of one actor whose steps are all local and invisible (the one with
   * fewest, first in action order on ties), or undefined: expand `enabled` fully. C3 is the
   * caller's.
   */
  candidate<T extends { readonly actor: Actor | null }>(state: S, enabled: readonly T[]): T[] | undefined {
    if (enabled.length < 2) return undefined;
    const byActor = new Map<Actor, T[]>();
    for (const e of enabled) {
      if (e.actor === null) return undefined;
      const mine = byActor.get(e.actor);
      if (mine) mine.push(e);
      else byActor.set(e.actor, [e]);
    }
    if (byActor.size < 2) return undefined;
    let best: T[] | undefined;
    for (const [actor, mine] of byActor) {
      if (best !== undefined && mine.length >= best.length) continue;
      if (this.isLocalAndInvisible(state, actor)) best = mine;
    }
    return best;
  }

  private isLocalAndInvisible(state: S, actor: Actor): boolean {
    const fp = this.support.footprint(state, actor);
    for (const key of fp.writes) if (this.visible(key) || this.support.owner(state, key) !== actor) return false;
    for (const key of fp.reads) {
      const owner = this.support.owner(state, key);
      if (owner !== actor && owner !== null) return false;
    }
    return true;
  }
}
