/**
 * Ample sets by ownership (partial-order reduction), checked at each state:
 *
 * - C0 (non-empty): the chosen actor has at least one enabled action.
 * - C1 (persistence): every key the actor's candidate steps (enabled or not) touch is owned by
 *   it or never written again, so no sequence of other actors' steps can enable, disable or
 *   change the effect of any of its steps, nor be changed by them: they commute with all of it.
 * - C2 (visibility, in Valmari's form for safety properties, condition V): the ample set is
 *   always a proper subset here (two or more actors have enabled actions), so either none of
 *   its steps writes a key a checked invariant reads, or no step of the other actors' future
 *   without it does (then every visible step that can come first is in the ample set).
 * - C3 (cycles): enforced by the search (bfs.ts: the edges leaving reduced states must form no
 *   cycle, checked when the search drains, or, with the `ids` proviso, a successor found before
 *   the state forces full expansion; dfs.ts: a successor on the DFS stack does), so every cycle
 *   of the reduced graph holds a fully expanded state and no action is postponed forever.
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
import { firstShared, hashBits, KeyBits, type Bits, KeyIndex, sameBits, trimmed, unite, withBit } from './key-bits.ts';
import type { Actor, PartialOrderSupport } from './types.ts';

/**
 * What the C1 look-ahead needs from the model: the enabled steps of a state (who takes each,
 * and the state it leads to) and a key telling concrete states apart.
 */
export interface LookaheadSupport<S> {
  /** The successors of `state` by the enabled steps of every actor but `without`. */
  successors(state: S, without: Actor): readonly { readonly actor: Actor | null; readonly state: S }[];
  key(state: S): string;
  /** Most states one look-ahead may visit before it gives up (the actor is then not chosen). */
  readonly limit: number;
}

/**
 * The other actors' future from one state, as far as one actor p is concerned (a `Summary`
 * before it is read by name): what the footprints of every actor but p read and write at every
 * state reachable by their steps, and what the enabling conditions of those with no step
 * enabled read. A function of the state and p alone, so the look-ahead remembers it.
 */
interface Future {
  readonly reads: Bits;
  readonly writes: Bits;
  readonly disabled: Bits | undefined;
}
/** A future that cannot be known: a step without an actor or a `*` key on it (why, for diagnostics). */
interface Unknowable {
  readonly failure: string;
}
/** Futures the look-ahead remembers (per state and actor); forgotten wholesale past it. */
const FUTURE_LIMIT = 400_000;

/** Why a look-ahead stops early: a conflict with the actor asked about, or a future that cannot be known. */
interface Stop {
  readonly why: string;
  readonly conflict: boolean;
}

/** One state's own part of a future: its footprints, and its successors by the other actors. */
interface LocalFuture<S> extends Future {
  readonly succs: readonly { readonly state: S; readonly key: string }[];
}
/**
 * Look-aheads may visit `base` states, and `perState` more for every state the search expands.
 * Measured without a budget, the two-CPU seed runs at two IRQs per CPU (the largest that
 * finish) need a base of at most 54,613 with 8 a state, so this does not bind there; on
 * bbm-block-split × split-break-before-make at the deep bounds, look-aheads computed the
 * successors of 664,000 states for 386 states expanded (73 s; 11 s with the budget).
 */
const LOOKAHEAD_BUDGET = { base: 100_000, perState: 8 };

/** States whose `LocalFuture` the look-ahead remembers (they hold states: bounded tighter). */
const LOCALS_LIMIT = 20_000;

/** A state on the look-ahead's depth-first search (Tarjan's algorithm, for its cycles). */
interface Visit<S> {
  readonly key: string;
  readonly index: number;
  lowlink: number;
  /** Successors by the other actors' steps, and the next one to look at. */
  readonly succs: readonly { readonly state: S; readonly key: string }[];
  next: number;
  /** Its own footprints, then united with the futures of its successors as they finish. */
  reads: Bits;
  writes: Bits;
  disabled: Bits | undefined;
}
/** States reached but not yet expanded whose summaries are remembered (forgotten wholesale past it). */
const PENDING_LIMIT = 200_000;

/** The keys of an actor's footprint that ownership does not settle (C1 needs the look-ahead for them). */
interface Unsettled {
  readonly reads: ReadonlySet<string>;
  readonly writes: ReadonlySet<string>;
  /** A key a checked invariant reads that a step of the actor writes (C2 then needs the look-ahead). */
  readonly visible: string | undefined;
}

/**
 * What the other actors can touch from a state on, for one actor p: the union of the
 * footprints of every actor but p at every state reachable from here by steps of actors other
 * than p (an over-approximation is as good). Known only when that future is finite within the
 * look-ahead's limit and holds no step without an actor and no `*` key.
 */
interface Summary {
  readonly reads: KeyBits;
  readonly writes: KeyBits;
  /** A key in `writes` that a checked invariant reads (the first found), if any. */
  readonly visibleWrite: string | undefined;
  /**
   * What the enabling conditions of the other actors with no step enabled read, on that future
   * (known when the model lists its actors, `PartialOrderSupport.actors`): a step of p that
   * writes none of these nor of `reads` leaves the others' future as it was.
   */
  readonly disabledReads: KeyBits | undefined;
  /** Computed at this very state (not inherited from a predecessor, so not over-approximated). */
  readonly exact: boolean;
}

/** The state being expanded: what the ample-set choice learned there, for its successors. */
interface Here<S> {
  readonly state: S;
  readonly summaries: Map<Actor, Summary>;
  readonly unsettled: Map<Actor, Unsettled | undefined>;
}

export class AmpleSets<S> {
  /** Footprint keys by number; which of them checked invariants read. */
  private readonly keys: KeyIndex;
  /** Ample sets found by ownership alone, by a summary a predecessor handed down, and by a fresh look-ahead. */
  byOwnership = 0;
  bySummary = 0;
  byLookahead = 0;
  /** Look-aheads run (each explores the other actors' future from one state). */
  lookaheads = 0;
  /**
   * The look-ahead's budget: the states look-aheads visited, against the states the search
   * expanded. Where the other actors' futures are large and keep conflicting
   * or passing the limit (two CPUs both walking and changing page tables), look-aheads could
   * cost hundreds of times the search itself; past `LOOKAHEAD_BUDGET`, an actor that needs one
   * is not chosen until the search has expanded enough states again (sound: less reduction).
   * Counted in states, not seconds, so runs stay deterministic.
   */
  private lookaheadStates = 0;
  private expandedStates = 0;
  private overBudget(): boolean {
    return this.lookaheadStates >= LOOKAHEAD_BUDGET.base + LOOKAHEAD_BUDGET.perState * this.expandedStates;
  }
  /**
   * Diagnostics: told each time an actor with enabled steps could not be chosen at a state,
   * and why (`visible <key>`, `conflict <key>`, `look-ahead limit`, ...).
   */
  onRefusal: ((actor: Actor, reason: string) => void) | undefined;
  private refuse(actor: Actor, reason: string): void {
    this.onRefusal?.(actor, reason);
  }

  constructor(
    private readonly support: PartialOrderSupport<S>,
    invariants: readonly Invariant<S>[],
    private readonly lookahead?: LookaheadSupport<S>,
  ) {
    for (const i of invariants)
      if (i.reads !== undefined && (!Array.isArray(i.reads) || !i.reads.every((k) => typeof k === 'string')))
        throw new UsageError(`invariant "${i.name}": reads must be an array of key strings`);
    const readers = invariants.map((i) => keyMatcher(i.reads));
    this.keys = new KeyIndex((key) => readers.some((reads) => reads(key)));
  }

  /**
   * The enabled actions of one actor whose steps are all invisible and commute with everything
   * the other actors can do from here (the one with fewest, first in action order on ties), or
   * undefined: expand `enabled` fully. C3 is the caller's.
   */
  candidate<T extends { readonly actor: Actor | null }>(state: S, enabled: readonly T[]): T[] | undefined {
    for (const c of this.candidates(state, enabled)) return c;
    return undefined;
  }

  /**
   * Every ample set at `state`, best first: the enabled actions of one actor whose steps are
   * all invisible and commute with everything the other actors can do from here. Actors whose
   * keys ownership settles come first (fewest enabled actions first, then action order), then
   * those the look-ahead settles. The search takes the first its cycle proviso (C3) accepts,
   * and then hands what it took to `expanded`.
   *
   * C1 is settled by ownership when every key the actor touches is its own or constant; for
   * the other keys, by what the other actors can touch from here on (a `Summary`): handed down
   * from a predecessor when one is known, else explored by the look-ahead.
   */
  *candidates<T extends { readonly actor: Actor | null }>(state: S, enabled: readonly T[]): Generator<T[], void, undefined> {
    const here = this.enter(state);
    this.expandedStates++;
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
    // C2: two actors enabled here with visible steps cannot give an ample set either way (each
    // is the other's future); known without a look-ahead.
    let visibleActors = 0;
    for (const [actor] of order) if (this.unsettledAt(here, actor)?.visible !== undefined) visibleActors++;
    for (const [actor, mine] of order) {
      const unsettled = this.unsettledAt(here, actor);
      if (unsettled === undefined) {
        if (this.onRefusal) this.refuse(actor, 'touches *');
        continue;
      }
      if (unsettled.visible !== undefined && visibleActors > 1) {
        if (this.onRefusal) this.refuse(actor, `visible ${unsettled.visible}`);
        continue;
      }
      if (unsettled.reads.size === 0 && unsettled.writes.size === 0 && unsettled.visible === undefined) {
        this.byOwnership++;
        yield mine;
      } else needLookahead.push([actor, mine, unsettled]);
    }
    if (!this.lookahead) {
      for (const [actor] of needLookahead) this.refuse(actor, 'no look-ahead');
      return;
    }
    for (const [actor, mine, unsettled] of needLookahead) {
      let summary = here.summaries.get(actor);
      const conflict = summary && firstConflict(summary, unsettled);
      if (summary && conflict === undefined) {
        this.bySummary++;
        yield mine;
        continue;
      }
      if (summary?.exact) {
        if (this.onRefusal) this.refuse(actor, `conflict ${conflict}`);
        continue;
      }
      const fresh = this.summarize(state, actor, unsettled);
      if (fresh === undefined || fresh === CONFLICT) {
        this.refuse(actor, this.lastFailure);
        continue;
      }
      here.summaries.set(actor, fresh);
      this.byLookahead++;
      yield mine;
    }
  }

  /**
   * The search explored `taken` (an ample set from `candidates`, or every enabled step) at
   * `state`: hand each successor the summaries that still hold there. For an actor p, a step
   * of another actor leads to a state whose p-avoiding future is part of this one's; a step of
   * p itself that writes nothing the others read on that future leaves it as it was (they take
   * the same steps with the same footprints). What they read includes the enabling conditions
   * of actors with no step enabled there, which the look-ahead collects only when the model
   * lists its actors (`PartialOrderSupport.actors`); without that list a summary crosses only a
   * step of p that writes keys p owns: a write to a shared key may enable another actor's step
   * that the summary never saw (`summaries.test.ts` has such a model).
   */
  expanded(state: S, taken: readonly { readonly actor: Actor | null; readonly state: S }[]): void {
    const here = this.here;
    if (here === undefined || here.state !== state || here.summaries.size === 0 || !this.lookahead) return;
    for (const t of taken) {
      let handed: Map<Actor, Summary> | undefined;
      for (const [p, summary] of here.summaries) {
        if (t.actor === p) {
          const mine = this.unsettledAt(here, p);
          if (mine === undefined) continue;
          const disabled = summary.disabledReads;
          if (disabled === undefined ? mine.writes.size > 0 : [...mine.writes].some((k) => summary.reads.has(k) || disabled.has(k))) continue;
        }
        // Across p's own step the others' future is the same (exact stays exact: a conflict with
        // p's next steps is then refused without a look-ahead); across another actor's step it
        // is a part of this one (an over-approximation: a conflict is looked at again).
        (handed ??= new Map()).set(p, t.actor !== p && summary.exact ? { ...summary, exact: false } : summary);
      }
      if (handed === undefined) continue;
      const key = this.lookahead.key(t.state);
      const known = this.pending.get(key);
      if (known) {
        // Reached again: either summary over-approximates; keep the first per actor.
        for (const [p, summary] of handed) if (!known.has(p)) known.set(p, summary);
        continue;
      }
      if (this.pending.size >= PENDING_LIMIT) this.pending.clear();
      this.pending.set(key, handed);
    }
  }

  /** Summaries handed down to states not yet expanded, by concrete key (taken when expanded). */
  private readonly pending = new Map<string, Map<Actor, Summary>>();
  private here: Here<S> | undefined;

  private enter(state: S): Here<S> {
    let summaries: Map<Actor, Summary> | undefined;
    if (this.lookahead && this.pending.size > 0) {
      const key = this.lookahead.key(state);
      summaries = this.pending.get(key);
      if (summaries) this.pending.delete(key);
    }
    return (this.here = { state, summaries: summaries ?? new Map(), unsettled: new Map() });
  }

  private unsettledAt(here: Here<S>, actor: Actor): Unsettled | undefined {
    if (here.unsettled.has(actor)) return here.unsettled.get(actor);
    const u = this.unsettled(here.state, actor);
    here.unsettled.set(actor, u);
    return u;
  }

  /**
   * The keys of `actor`'s footprint that are neither its own nor constant, or undefined when
   * the actor cannot be chosen at all: one of its steps touches `*`.
   */
  private unsettled(state: S, actor: Actor): Unsettled | undefined {
    const fp = this.support.footprint(state, actor);
    const reads = new Set<string>();
    const writes = new Set<string>();
    let visible: string | undefined;
    for (const key of fp.writes) {
      if (key === '*') return undefined;
      if (visible === undefined && this.keys.isVisible(this.keys.id(key))) visible = key;
      if (this.support.owner(state, key) !== actor) writes.add(key);
    }
    for (const key of fp.reads) {
      const owner = this.support.owner(state, key);
      if (owner === actor || owner === null) continue;
      if (key === '*') return undefined;
      reads.add(key);
    }
    return { reads, writes, visible };
  }

  /**
   * The look-ahead for C1 (a persistent set computed by exploring, after Godefroid's
   * definition): every state reachable from `state` by steps of the other actors, and at each,
   * every other actor's footprint, united. `actor`'s steps are independent of every step on
   * every such path when no key in it is written that `actor` touches, and none is read that
   * `actor` writes (`conflicts`); and all paths that avoid `actor`'s steps are such paths: no
   * such step writes what `actor`'s steps read, so none of its disabled steps becomes enabled.
   * When a step of `actor` is visible (C2), a key a checked invariant reads written on that
   * future is a conflict too.
   *
   * The future of a state is its own footprints united with its successors' futures, so each
   * state's future is found once per actor and remembered (`futures`): a depth-first search
   * that unites finished successors' futures into their predecessors, with Tarjan's algorithm
   * for cycles (the states of a strongly connected component share one future). Neighbouring
   * states' look-aheads cover mostly the same states: a later look-ahead stops where it meets a
   * known future.
   *
   * CONFLICT as soon as one footprint or known future conflicts with `mine` (the rest is not
   * explored; what was finished is remembered); undefined when the look-ahead would visit more
   * than its limit of new states, or the future holds a step without an actor or touches `*`.
   */
  private summarize(state: S, actor: Actor, mine: Unsettled): Summary | typeof CONFLICT | undefined {
    this.lookaheads++;
    const la = this.lookahead!;
    const keys = this.keys;
    const slot = this.slotOf(actor);
    let mineReads: Bits = new Int32Array(1);
    let mineWrites: Bits = new Int32Array(1);
    for (const k of mine.reads) mineReads = withBit(mineReads, keys.id(k));
    for (const k of mine.writes) mineWrites = withBit(mineWrites, keys.id(k));
    const mineTouches = unite(mineReads.slice(), mineWrites);
    /** Why a part of the others' future conflicts with `mine`, if it does. */
    const conflictIn = (reads: Bits, writes: Bits): string | undefined => {
      let id = firstShared(writes, mineTouches);
      if (id < 0) id = firstShared(reads, mineWrites);
      if (id >= 0) return `conflict ${keys.name(id)}`;
      if (mine.visible !== undefined && (id = firstShared(writes, keys.visible)) >= 0) return `visible ${keys.name(id)}`;
      return undefined;
    };

    const rootKey = la.key(state);
    const known = this.futureOf(rootKey, slot);
    if (known === undefined && this.futureCount >= FUTURE_LIMIT) {
      // Forgotten between look-aheads only: a search in progress relies on what it found.
      this.futures.clear();
      this.futureCount = 0;
      this.interned.clear();
    }
    let found = known;
    if (found === undefined) {
      if (this.overBudget()) return this.fail('look-ahead budget');
      const onStack = new Map<string, Visit<S>>();
      const tarjan: Visit<S>[] = [];
      const path: Visit<S>[] = [];
      let opened = 0;
      /** Visits `x` (its successors and own footprints), or says why the look-ahead stops there. */
      const open = (x: S, key: string): Visit<S> | Stop => {
        this.lookaheadStates++;
        const local = this.localFutureOf(x, key, actor, slot);
        if ('failure' in local) {
          this.remember(key, slot, local);
          return { why: local.failure, conflict: false };
        }
        const c = conflictIn(local.reads, local.writes);
        if (c !== undefined) return { why: c, conflict: true };
        // Copies: the search unites into them, and the local future may be asked for again.
        const v: Visit<S> = {
          key,
          index: opened,
          lowlink: opened,
          succs: local.succs,
          next: 0,
          reads: local.reads.slice(),
          writes: local.writes.slice(),
          disabled: local.disabled?.slice(),
        };
        opened++;
        tarjan.push(v);
        onStack.set(key, v);
        path.push(v);
        return v;
      };
      const stop = (s: Stop) => this.fail(s.why, s.conflict ? CONFLICT : undefined);

      const first = open(state, rootKey);
      if ('why' in first) return stop(first);
      while (path.length > 0) {
        const v = path[path.length - 1]!;
        if (v.next < v.succs.length) {
          const t = v.succs[v.next++]!;
          const f = this.futureOf(t.key, slot);
          if (f !== undefined) {
            if ('failure' in f) return this.fail(f.failure);
            const c = conflictIn(f.reads, f.writes);
            if (c !== undefined) return this.fail(c, CONFLICT);
            absorb(v, f);
            continue;
          }
          const w = onStack.get(t.key);
          if (w !== undefined) {
            v.lowlink = Math.min(v.lowlink, w.index);
            continue;
          }
          if (opened >= la.limit) return this.fail('look-ahead limit');
          if (this.overBudget()) return this.fail('look-ahead budget');
          const next = open(t.state, t.key);
          if ('why' in next) return stop(next);
          continue;
        }
        path.pop();
        const parent = path[path.length - 1];
        if (v.lowlink === v.index) {
          // v roots a strongly connected component: its members (above it on the stack) share one future.
          const members: Visit<S>[] = [];
          for (;;) {
            const w = tarjan.pop()!;
            onStack.delete(w.key);
            members.push(w);
            if (w === v) break;
            absorb(v, w);
          }
          const future = this.intern(v.reads, v.writes, v.disabled);
          for (const w of members) this.remember(w.key, slot, future);
          if (parent !== undefined) absorb(parent, future);
        } else if (parent !== undefined) parent.lowlink = Math.min(parent.lowlink, v.lowlink);
      }
      found = this.futureOf(rootKey, slot)!;
    }
    if ('failure' in found) return this.fail(found.failure);
    const c = conflictIn(found.reads, found.writes);
    if (c !== undefined) return this.fail(c, CONFLICT);
    const visibleId = firstShared(found.writes, keys.visible);
    return {
      reads: new KeyBits(keys, found.reads),
      writes: new KeyBits(keys, found.writes),
      visibleWrite: visibleId >= 0 ? keys.name(visibleId) : undefined,
      disabledReads: found.disabled && new KeyBits(keys, found.disabled),
      exact: true,
    };
  }

  /**
   * `localFuture`, remembered for the states of look-aheads that stopped at a conflict before
   * their future was known (the next look-ahead from a neighbouring state visits them again).
   * Bounded: these hold states.
   */
  private localFutureOf(x: S, key: string, actor: Actor, slot: number): LocalFuture<S> | Unknowable {
    let bySlot = this.locals.get(key);
    const known = bySlot?.[slot];
    if (known !== undefined) return known;
    const local = this.localFuture(x, actor);
    if (bySlot === undefined) {
      if (this.locals.size >= LOCALS_LIMIT) {
        const oldest = this.locals.keys();
        for (let n = LOCALS_LIMIT >> 3; n > 0; n--) this.locals.delete(oldest.next().value!);
      }
      this.locals.set(key, (bySlot = []));
    }
    bySlot[slot] = local;
    return local;
  }
  private readonly locals = new Map<string, (LocalFuture<S> | Unknowable | undefined)[]>();

  /** One state of the look-ahead: its successors by every actor but `actor` (with their keys), and what those actors' footprints there touch. */
  private localFuture(x: S, actor: Actor): LocalFuture<S> | Unknowable {
    const la = this.lookahead!;
    const keys = this.keys;
    const succs = la.successors(x, actor);
    let reads: Bits = new Int32Array(2);
    let writes: Bits = new Int32Array(2);
    const listed = this.support.actors;
    let disabled: Bits | undefined = listed ? new Int32Array(2) : undefined;
    const out: { state: S; key: string }[] = [];
    const seen: Actor[] = [];
    for (const t of succs) {
      if (t.actor === null) return { failure: 'a step without an actor' };
      if (t.actor === actor) continue;
      out.push({ state: t.state, key: la.key(t.state) });
      if (seen.includes(t.actor)) continue;
      seen.push(t.actor);
      const fp = this.support.footprint(x, t.actor);
      for (const k of fp.writes) {
        if (k === '*') return { failure: `${String(t.actor)} touches *` };
        writes = withBit(writes, keys.id(k));
      }
      for (const k of fp.reads) {
        if (k === '*') return { failure: `${String(t.actor)} touches *` };
        reads = withBit(reads, keys.id(k));
      }
    }
    if (listed)
      // The actors with no step enabled here: what their enabling conditions read.
      for (const q of listed.call(this.support, x)) {
        if (q === actor || seen.includes(q)) continue;
        for (const k of this.support.footprint(x, q).reads) {
          if (k === '*') return { failure: `${String(q)} touches *` };
          disabled = withBit(disabled!, keys.id(k));
        }
      }
    return { succs: out, reads, writes, disabled };
  }

  /** Why the last look-ahead failed (for `onRefusal`). */
  private lastFailure = '';
  private fail<R>(why: string, result?: R): R | undefined {
    this.lastFailure = why;
    return result;
  }

  /** Futures found by look-aheads, by the state's concrete key and the actor's slot. */
  private readonly futures = new Map<string, (Future | Unknowable | undefined)[]>();
  private futureCount = 0;
  private readonly slots = new Map<Actor, number>();
  private slotOf(actor: Actor): number {
    let i = this.slots.get(actor);
    if (i === undefined) this.slots.set(actor, (i = this.slots.size));
    return i;
  }
  /**
   * One object per distinct future (most states' futures are equal: on the two-CPU seed
   * scenario with one IRQ per CPU, 7,465 states share 442), kept without trailing zero words.
   */
  private readonly interned = new Map<number, Future[]>();
  private intern(reads: Bits, writes: Bits, disabled: Bits | undefined): Future {
    const h = hashBits(reads, hashBits(writes, disabled === undefined ? 0 : hashBits(disabled, 1)));
    const bucket = this.interned.get(h);
    if (bucket !== undefined)
      for (const f of bucket) if (sameBits(f.reads, reads) && sameBits(f.writes, writes) && (disabled === undefined || sameBits(f.disabled!, disabled))) return f;
    const f: Future = { reads: trimmed(reads), writes: trimmed(writes), disabled: disabled && trimmed(disabled) };
    if (bucket === undefined) this.interned.set(h, [f]);
    else bucket.push(f);
    return f;
  }
  private futureOf(key: string, slot: number): Future | Unknowable | undefined {
    return this.futures.get(key)?.[slot];
  }
  private remember(key: string, slot: number, f: Future | Unknowable): void {
    let bySlot = this.futures.get(key);
    if (bySlot === undefined) this.futures.set(key, (bySlot = []));
    if (bySlot[slot] === undefined) this.futureCount++;
    bySlot[slot] = f;
  }
}

/**
 * Whether the other actors' future (`theirs`) can interfere with `mine`: a key they write that
 * it touches, or one they read that it writes, or, when a step of `mine` is visible, a key a
 * checked invariant reads that they write (the first found, named for diagnostics), or
 * undefined.
 */
function firstConflict(theirs: Summary, mine: Unsettled): string | undefined {
  for (const k of mine.reads) if (theirs.writes.has(k)) return k;
  for (const k of mine.writes) if (theirs.writes.has(k) || theirs.reads.has(k)) return k;
  if (mine.visible !== undefined && theirs.visibleWrite !== undefined) return theirs.visibleWrite;
  return undefined;
}

/** Unites `f` into the future `into` is gathering (its own arrays: a look-ahead's visit). */
function absorb(into: { reads: Bits; writes: Bits; disabled: Bits | undefined }, f: Future): void {
  into.reads = unite(into.reads, f.reads);
  into.writes = unite(into.writes, f.writes);
  if (into.disabled !== undefined) into.disabled = unite(into.disabled, f.disabled!);
}

/** The look-ahead found a step of another actor that conflicts (and stopped there). */
const CONFLICT = Symbol('conflict');
