/**
 * Shrinking counterexamples: dfs and random traces of the seed scenario come out short and
 * 1-minimal (no single step, and no IRQ with its handler's steps, can go), and the generic
 * shrinker works on a model without kernel hooks.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioRun } from '../../api/check-scenario.ts';
import { check, type Model } from '../../checker/index.ts';
import { kernelShrinkHooks } from '../../counterexamples/kernel/shrink-hooks.ts';
import { labelOf, replayLabels } from '../../counterexamples/replay.ts';
import { shrinkPath, shrinkWith } from '../../counterexamples/shrink.ts';
import petersonNoTurn from '../../examples/peterson-no-turn.ts';

const SEED = 'seed-por-reset-lazy-mmu';
const PROPERTY = 'pgtable-writes-hold-pgtables-overlay';
/** The bfs (shortest) counterexample under v6. */
const BFS_LENGTH = 18;

const labelsOf = (run: ScenarioRun) => run.result.path!.steps.map((s) => labelOf(run.model, s.action));

describe('bfs baseline', () => {
  it(`the seed under v6 has a shortest counterexample of ${BFS_LENGTH} steps that bfs does not shrink`, () => {
    const run = runScenario(SEED, { design: 'v6' });
    expect(run.result.verdict).toBe('violation');
    expect(run.result.property).toBe(PROPERTY);
    expect(run.result.trace).toHaveLength(BFS_LENGTH);
    expect(run.result.shrunk).toBe(false);
    expect(run.result.originalLength).toBe(BFS_LENGTH);
  });
});

describe.each([
  // [strategy, length before shrinking, length after]
  ['random', 22, 18],
  ['dfs', 29, 18],
] as const)('the seed under v6, %s search (seed 1)', (strategy, before, after) => {
  const run = runScenario(SEED, { design: 'v6', strategy, seed: 1 });
  const r = run.result;

  it(`finds the violation of ${PROPERTY} and shrinks ${before} steps to ${after}`, () => {
    expect(r.verdict).toBe('violation');
    expect(r.property).toBe(PROPERTY);
    expect(r.shrunk).toBe(true);
    expect(r.originalLength).toBe(before);
    expect(r.trace).toHaveLength(after);
    expect(r.path!.steps).toHaveLength(after);
    expect(r.originalLength!).toBeGreaterThan(r.trace!.length);
    expect(r.trace!.length).toBeLessThanOrEqual(BFS_LENGTH + 2);
    // The trace and the path agree, and the trace replays to the violation at its last step.
    expect(r.trace!.map((t) => t.action)).toEqual(labelsOf(run));
    const replay = replayLabels(run.model, labelsOf(run), PROPERTY);
    expect(replay.status).toBe('reproduced');
    expect(replay.status === 'reproduced' && replay.violatedAt).toBe(after);
  });

  it('keeps the IRQ and the preemption the seed needs', () => {
    expect(r.path!.steps.filter((s) => s.action.kind === 'irq')).toHaveLength(1);
    expect(kernelShrinkHooks(run.model).preemptions!(r.path!)).toBe(1);
  });

  it('is 1-minimal: without any single step the violation does not reproduce', () => {
    const labels = labelsOf(run);
    const statuses = labels.map((_, i) => replayLabels(run.model, labels.filter((__, j) => j !== i), PROPERTY).status);
    expect(statuses).toHaveLength(after);
    expect(statuses.filter((s) => s === 'reproduced')).toEqual([]);
  });

  it('is 1-minimal: without any IRQ and its handler steps the violation does not reproduce', () => {
    const labels = labelsOf(run);
    const groups = kernelShrinkHooks(run.model).groups!(r.path!);
    // One IRQ (step 2); its handler never returns before the fault, so the group runs to the end.
    expect(groups).toEqual([Array.from({ length: after - 1 }, (_, i) => i + 1)]);
    for (const g of groups) {
      const drop = new Set(g);
      expect(replayLabels(run.model, labels.filter((_, i) => !drop.has(i)), PROPERTY).status).not.toBe('reproduced');
    }
  });
});

describe('shrinkPath on a generic model (Peterson without turn)', () => {
  const dfs = check(petersonNoTurn, { strategy: 'dfs' });

  it('dfs finds an 11-step violation of mutual exclusion; bfs a 6-step one', () => {
    expect(dfs.verdict).toBe('violation');
    expect(dfs.property).toBe('mutual-exclusion');
    expect(dfs.trace).toHaveLength(11);
    expect(check(petersonNoTurn, { strategy: 'bfs' }).trace).toHaveLength(6);
  });

  it('shrinks the 11-step dfs trace to 6 steps that still violate mutual exclusion', () => {
    const shrunk = shrinkPath(petersonNoTurn, dfs.path!, 'mutual-exclusion');
    const labels = shrunk.steps.map((s) => labelOf(petersonNoTurn, s.action));
    const replay = replayLabels(petersonNoTurn, labels, 'mutual-exclusion');
    expect(replay.status).toBe('reproduced');
    // A 6-step subsequence of the dfs trace violates the invariant: without process 0's first
    // five steps (trace steps 1-4 and 6, one whole turn of its loop), so 6 steps are reachable
    // by removing steps. No contiguous chunk does it (process 1's step 5 sits in between).
    const dfsLabels = dfs.path!.steps.map((s) => labelOf(petersonNoTurn, s.action));
    const cycleRemoved = dfsLabels.filter((_, i) => ![0, 1, 2, 3, 5].includes(i));
    expect(replayLabels(petersonNoTurn, cycleRemoved, 'mutual-exclusion').status).toBe('reproduced');
    expect(labels).toHaveLength(6);
  });
});

/**
 * Two independent counters; the rule breaks at x = 1, y = 2. bfs finds `a b b` (a switch away
 * from A while A could still step: one preemption); `b b a` has the same length and none.
 */
interface Counters {
  readonly x: number;
  readonly y: number;
}
const twoCounters: Model<Counters, 'a' | 'b'> = {
  name: 'two-counters',
  initialStates: () => [{ x: 0, y: 0 }],
  actions: () => ['a', 'b'],
  nextState: (s, a) => (a === 'a' ? (s.x < 2 ? { ...s, x: s.x + 1 } : undefined) : s.y < 2 ? { ...s, y: s.y + 1 } : undefined),
  invariants: [{ name: 'not-x1-y2', holds: (s) => !(s.x === 1 && s.y === 2) }],
  actor: (a) => a,
  formatAction: (a) => a,
};

describe('shrinkWith on a shortest trace: fewer preemptions at the same length', () => {
  it('bfs finds a b b; the checker itself finds b b a with --max-preemptions 0', () => {
    expect(check(twoCounters, {}).trace!.map((t) => t.action)).toEqual(['a', 'b', 'b']);
    expect(check(twoCounters, { maxPreemptions: 0 }).trace!.map((t) => t.action)).toEqual(['b', 'b', 'a']);
  });

  it('replaces a b b (one preemption) by b b a (none)', () => {
    const r = shrinkWith(twoCounters, check(twoCounters, {}), {});
    expect(r.verdict).toBe('violation');
    expect(r.trace!.map((t) => t.action)).toEqual(['b', 'b', 'a']);
  });
});
