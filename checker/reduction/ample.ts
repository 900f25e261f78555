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
import type { Actor, Footprint, PartialOrderSupport } from './types.ts';

/**
 * What the C1 look-ahead needs from the model: the enabled steps of a state (who takes each,
 * and the state it leads to) and a key telling concrete states apart.
 */
export interface LookaheadSupport<S> {
  successors(state: S): readonly { readonly actor: Actor | null; readonly state: S }[];
  key(state: S): string;
  /** Most states one look-ahead may visit before it gives up (the actor is then not chosen). */
  readonly limit: number;
}

interface Explored<S> {
  readonly succs: readonly { readonly actor: Actor | null; readonly state: S; readonly key: string }[];
  readonly footprints: Map<Actor, Footprint>;
}
/** States whose successors and footprints the look-ahead remembers. */
const MEMO_LIMIT = 50_000;

/** The keys of an actor's footprint that ownership does not settle (C1 needs the look-ahead for them). */
interface Unsettled {
  readonly reads: ReadonlySet<string>;
  readonly writes: ReadonlySet<string>;
}

export class AmpleSets<S> {
  private readonly visible: (key: string) => boolean;
  /** Ample sets found by ownership alone, and by the look-ahead. */
  byOwnership = 0;
  byLookahead = 0;

  constructor(
    private readonly support: PartialOrderSupport<S>,
    invariants: readonly Invariant<S>[],
    private readonly lookahead?: LookaheadSupport<S>,
  ) {
    for (const i of invariants)
      if (i.reads !== undefined && (!Array.isArray(i.reads) || !i.reads.every((k) => typeof k === 'string')))
        throw new UsageError(`invariant "${i.name}": reads must be an array of key strings`);
    const readers = invariants.map((i) => keyMatcher(i.reads));
    this.visible = (key) => readers.some((reads) => reads(key));
  }

  /**
   * The enabled actions of one actor whose steps are all invisible and commute with everything
   * the other actors can do from here (the one with fewest, first in action order on ties), or
   * undefined: expand `enabled` fully. C3 is the caller's.
   *
   * C1 is settled by ownership when every key the actor touches is its own or constant; for
   * the other keys, by the look-ahead (`lookahead`): every state the other actors can reach
   * from here without this actor, and every step they could take there, touches none of them.
   */
  candidate<T extends { readonly actor: Actor | null }>(state: S, enabled: readonly T[]): T[] | undefined {
    for (const c of this.candidates(state, enabled)) return c;
    return undefined;
  }

  /**
   * Every ample set at `state`, best first: the enabled actions of one actor whose steps are
   * all invisible and commute with everything the other actors can do from here. Actors whose
   * keys ownership settles come first (fewest enabled actions first, then action order), then
   * those the look-ahead settles. The search takes the first its cycle proviso (C3) accepts.
   *
   * C1 is settled by ownership when every key the actor touches is its own or constant; for
   * the other keys, by the look-ahead (`lookahead`): every state the other actors can reach
   * from here without this actor, and every step they could take there, touches none of them.
   */
  *candidates<T extends { readonly actor: Actor | null }>(state: S, enabled: readonly T[]): Generator<T[], void, undefined> {
    if (enabled.length < 2) return;
    const byActor = new Map<Actor, T[]>();
    for (const e of enabled) {
      if (e.actor === null) return;
      const mine = byActor.get(e.actor);
      if (mine) mine.push(e);
      else byActor.set(e.actor, [e]);
    }
    if (byActor.size < 2) return;
    const order = [...byActor].sort((a, b) => a[1].length - b[1].length);
    const needLookahead: [Actor, T[], Unsettled][] = [];
    for (const [actor, mine] of order) {
      const unsettled = this.unsettled(state, actor);
      if (unsettled === undefined) continue;
      if (unsettled.reads.size === 0 && unsettled.writes.size === 0) {
        this.byOwnership++;
        yield mine;
      } else needLookahead.push([actor, mine, unsettled]);
    }
    if (!this.lookahead) return;
    for (const [actor, mine, unsettled] of needLookahead)
      if (this.othersNeverTouch(state, actor, unsettled)) {
        this.byLookahead++;
        yield mine;
      }
  }

  /**
   * The keys of `actor`'s footprint that are neither its own nor constant, or undefined when
   * the actor cannot be chosen at all: one of its steps is visible, or touches `*`.
   */
  private unsettled(state: S, actor: Actor): Unsettled | undefined {
    const fp = this.support.footprint(state, actor);
    const reads = new Set<string>();
    const writes = new Set<string>();
    for (const key of fp.writes) {
      if (this.visible(key) || key === '*') return undefined;
      if (this.support.owner(state, key) !== actor) writes.add(key);
    }
    for (const key of fp.reads) {
      const owner = this.support.owner(state, key);
      if (owner === actor || owner === null) continue;
      if (key === '*') return undefined;
      reads.add(key);
    }
    return { reads, writes };
  }

  /**
   * The look-ahead for C1 (a persistent set computed by exploring, after Godefroid's
   * definition): every state reachable from `state` by steps of the other actors (all paths
   * that avoid `actor`'s steps are such paths: no such step writes what `actor`'s steps read,
   * so none of its disabled steps becomes enabled), and at each, every other actor's
   * footprint: none writes a key `actor` reads or writes, none reads a key `actor` writes.
   * Then each of `actor`'s steps is independent of every step on every such path.
   */
  private othersNeverTouch(state: S, actor: Actor, mine: Unsettled): boolean {
    const la = this.lookahead!;
    const conflicts = (fp: { reads: readonly string[]; writes: readonly string[] }) => {
      for (const k of fp.writes) if (k === '*' || mine.reads.has(k) || mine.writes.has(k)) return true;
      if (mine.writes.size > 0) for (const k of fp.reads) if (k === '*' || mine.writes.has(k)) return true;
      return false;
    };
    const first = la.key(state);
    const seen = new Set<string>([first]);
    const queue: [S, string][] = [[state, first]];
    for (let head = 0; head < queue.length; head++) {
      const [x, xKey] = queue[head];
      const known = this.explored(x, xKey);
      if (known.succs.some((t) => t.actor === null)) return false;
      for (const t of known.succs) if (t.actor !== actor && conflicts(this.footprintOf(x, xKey, t.actor!, known))) return false;
      for (const t of known.succs) {
        if (t.actor === actor) continue;
        const k = t.key;
        if (seen.has(k)) continue;
        if (seen.size >= la.limit) return false;
        seen.add(k);
        queue.push([t.state, k]);
      }
    }
    return true;
  }

  /**
   * The look-ahead's memory: successors and footprints of states it explored, by concrete key.
   * Neighbouring states' look-aheads cover mostly the same states. Bounded: forgotten wholesale.
   */
  private readonly memo = new Map<string, Explored<S>>();
  private explored(x: S, key: string): Explored<S> {
    let e = this.memo.get(key);
    if (!e) {
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      const la = this.lookahead!;
      e = { succs: la.successors(x).map((t) => ({ actor: t.actor, state: t.state, key: la.key(t.state) })), footprints: new Map() };
      this.memo.set(key, e);
    }
    return e;
  }
  private footprintOf(x: S, key: string, actor: Actor, e: Explored<S>): Footprint {
    let fp = e.footprints.get(actor);
    if (!fp) e.footprints.set(actor, (fp = this.support.footprint(x, actor)));
    void key;
    return fp;
  }
}


