/**
 * A test of a model's partial-order reduction contract over its whole reachable state space
 * (as the unreduced search sees it). At every state it checks, for every enabled step:
 *
 * - exclusivity: the stepping actor's footprint touches no key another actor owns, and writes
 *   no key declared constant (`owner` null);
 * - commutation: whenever an actor's footprint is all its own (the ample rule's C1 by
 *   ownership), or two actors' footprints are disjoint (neither writes what the other touches:
 *   the independence the C1 look-ahead relies on), each enabled step of the one and each enabled
 *   step of the other commute: both orders are
 *   enabled and reach the same state (compared by fingerprint). A step that halts the model
 *   (no step enabled after it, and `isFinal`) need only stay enabled and halting after the
 *   other step (the halting exception of types.ts).
 *
 * - `successorsWithout(s, p)`, when the model gives it: exactly the successors by the other
 *   actors' enabled steps, in action order;
 * - `actors(s)`, when the model gives it: lists every actor with a step enabled in `s`.
 *
 * States that violate an invariant are not expanded (the search stops there).
 *
 * Meant for tests (test/model/reduction-contract.test.ts runs it on every matrix cell).
 */
import type { Model } from '../model.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { stableString } from '../engine.ts';
import type { Actor } from './types.ts';

export interface ContractReport {
  readonly states: number;
  /** Pairs of steps checked for commutation. */
  readonly commutations: number;
  /** The first problems found (empty: the contract held everywhere). */
  readonly problems: readonly string[];
}

export function checkReductionContract<S, A>(model: Model<S, A>, o: { maxStates?: number; maxProblems?: number } = {}): ContractReport {
  const por = model.por;
  if (!por || !model.actor) throw new Error(`model "${model.name}" declares no footprints or no actor`);
  const label = (a: A) => (model.formatAction ? model.formatAction(a) : stableString(a));
  const key = (s: S) => {
    const f = fingerprintOf(s);
    return `${f.hi}:${f.lo}`;
  };
  const problems: string[] = [];
  const maxProblems = o.maxProblems ?? 10;
  const seen = new Set<string>();
  const queue: S[] = [];
  for (const s of model.initialStates()) if (!seen.has(key(s))) seen.add(key(s)), queue.push(s);
  let commutations = 0;
  const enabledOf = (s: S) => {
    const out: { action: A; label: string; actor: Actor; next: S }[] = [];
    for (const action of model.actions(s)) {
      const next = model.nextState(s, action);
      if (next !== undefined) out.push({ action, label: label(action), actor: model.actor!(action), next });
    }
    return out;
  };
  const halted = (s: S) => enabledOf(s).length === 0 && (model.isFinal?.(s) ?? false);
  while (queue.length > 0 && problems.length < maxProblems && (o.maxStates === undefined || seen.size <= o.maxStates)) {
    const s = queue.shift()!;
    if (model.invariants.some((i) => !i.holds(s))) continue;
    const enabled = enabledOf(s);
    const actors = [...new Set(enabled.map((e) => e.actor))];
    const local = new Set<Actor>();
    const fps = new Map<Actor, { reads: readonly string[]; writes: readonly string[] }>();
    for (const p of actors) {
      const fp = por.footprint(s, p);
      fps.set(p, fp);
      let own = true;
      for (const k of [...fp.reads, ...fp.writes]) {
        const owner = por.owner(s, k);
        if (owner !== undefined && owner !== null && owner !== p) problems.push(`${p} touches ${k}, owned by ${owner}, in a state reached by the search`);
        if (owner !== p && owner !== null) own = false;
      }
      for (const k of fp.writes) {
        const owner = por.owner(s, k);
        if (owner === null) problems.push(`${p} writes ${k}, declared constant`);
        if (owner !== p) own = false;
      }
      if (own) local.add(p);
    }
    for (const a of enabled) {
      for (const b of enabled) {
        if (b.actor === a.actor) continue;
        if (!local.has(a.actor) && !(a.actor < b.actor && disjoint(fps.get(a.actor)!, fps.get(b.actor)!))) continue;
        commutations++;
        const ab = findByLabel(model, a.next, b.label, label);
        if (halted(b.next) && ab !== undefined && halted(ab)) continue;
        const ba = findByLabel(model, b.next, a.label, label);
        // Footprints disjoint: either step may be the halting one.
        if (!local.has(a.actor) && halted(a.next) && ba !== undefined && halted(ba)) continue;
        if (ab === undefined || ba === undefined || key(ab) !== key(ba))
          problems.push(`"${a.label}" (${local.has(a.actor) ? `local to ${a.actor}` : 'footprints disjoint'}) and "${b.label}" do not commute`);
      }
    }
    if (por.successorsWithout)
      for (const p of actors) {
        const want = enabled.filter((e) => e.actor !== p).map((e) => `${e.actor} ${key(e.next)}`);
        const got = por.successorsWithout(s, p).map((t) => `${t.actor} ${key(t.state)}`);
        if (want.join('\n') !== got.join('\n')) problems.push(`successorsWithout(state, ${p}) gives ${got.length} successors, not the ${want.length} of the other actors' enabled steps (or not the same states, in action order)`);
      }
    if (por.actors) {
      const listed = new Set(por.actors(s));
      for (const p of actors) if (!listed.has(p)) problems.push(`actors(state) leaves out ${p}, which has a step enabled there`);
    }
    for (const e of enabled) {
      const k = key(e.next);
      if (!seen.has(k)) seen.add(k), queue.push(e.next);
    }
  }
  return { states: seen.size, commutations, problems: problems.slice(0, maxProblems) };
}

/** Neither footprint writes a key the other touches (the look-ahead's independence, ample.ts). */
function disjoint(p: { reads: readonly string[]; writes: readonly string[] }, q: { reads: readonly string[]; writes: readonly string[] }): boolean {
  const touches = (fp: typeof p) => new Set([...fp.reads, ...fp.writes]);
  const tp = touches(p);
  const tq = touches(q);
  if (tp.has('*') || tq.has('*')) return false;
  return !p.writes.some((k) => tq.has(k)) && !q.writes.some((k) => tp.has(k));
}

function findByLabel<S, A>(model: Model<S, A>, s: S, wanted: string, label: (a: A) => string): S | undefined {
  for (const a of model.actions(s)) if (label(a) === wanted) return model.nextState(s, a);
  return undefined;
}
