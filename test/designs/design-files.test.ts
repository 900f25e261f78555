/**
 * Design files through the library: invariants of their own (an event check and a state
 * predicate, each violated by a known-bad design), wrapped functions, and every way a
 * definition can be wrong (one UsageError line each).
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../checker/index.ts';
import { checkScenario, runScenario } from '../../api/check-scenario.ts';
import { runMatrix } from '../../api/matrix.ts';
import { renderKernelResult } from '../../counterexamples/kernel/text.ts';
import { defineDesign, event, kernelFunction, local, loadDesign, type DesignDefinition } from '../../api/design.ts';
import { designFromDefinition } from '../../model/design-file.ts';
import { getDesign } from '../../model/designs.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { getScenario } from '../../model/scenarios/index.ts';
import wrapFix from './fixtures/wrap-finish-task-switch.ts';
import v6WithOwnInvariants from './fixtures/v6-with-own-invariants.ts';
import doublePause from './fixtures/double-pause.ts';
import example from '../../examples/designs/pause-lazy-mmu-in-finish-task-switch.ts';
import { replayTrace } from '../../api/replay.ts';

const SEED = 'seed-por-reset-lazy-mmu';

describe('a design file with invariants of its own', () => {
  it('checks them in every scenario, after the scenario\'s own', () => {
    const m = kernelModel(getScenario(SEED), { design: wrapFix });
    expect(m.invariants.map((i) => i.name)).toEqual([
      'pgtable-writes-hold-pgtables-overlay',
      'lazy-section-restores-por',
      'lazy-mmu-calls-balanced',
      'pgtable-pages-carry-pgtables-pkey',
      'finish-task-switch-stores-hold-pgtables-overlay',
      'kernel-does-not-oops',
    ]);
  });

  it('event check: holds under the remedy, violated under v6 (the known-bad design) at the seed store', () => {
    const good = checkScenario(SEED, { design: wrapFix, invariants: ['finish-task-switch-stores-hold-pgtables-overlay'] });
    expect([good.verdict, good.complete, good.stats.distinctStates]).toEqual(['pass', true, 1279]);
    const bad = checkScenario(SEED, { design: v6WithOwnInvariants, invariants: ['finish-task-switch-stores-hold-pgtables-overlay'] });
    expect([bad.verdict, bad.property, bad.trace?.length]).toEqual(['violation', 'finish-task-switch-stores-hold-pgtables-overlay', 18]);
    expect(bad.detail).toBe('pageattr_pte_entry stored to a page table from finish_task_switch() on CPU0 without W on pkey PGTABLES');
  });

  it('the text report gives its statement and what it saw, as for a built-in invariant', () => {
    const { model, result } = runScenario(SEED, { design: v6WithOwnInvariants, invariants: ['finish-task-switch-stores-hold-pgtables-overlay'] });
    expect(renderKernelResult(result, model, { width: 400 }).split('\n').slice(1, 3)).toEqual([
      '✗ violation of finish-task-switch-stores-hold-pgtables-overlay — Page-table stores made from finish_task_switch() (the last mmdrop of the previous mm) run with POR_EL1 granting W to pkey PGTABLES.',
      '  pageattr_pte_entry stored to a page table from finish_task_switch() on CPU0 without W on pkey PGTABLES',
    ]);
  });

  it('state predicate: holds under a single pause, violated by a design that pauses twice over', () => {
    const single = checkScenario(SEED, { design: defineDesign({ name: 'single', base: 'v6-pause-lazy-mmu-in-finish-task-switch', invariants: doublePause.invariants }) });
    expect([single.verdict, single.complete]).toEqual(['pass', true]);
    const bad = checkScenario(SEED, { design: doublePause });
    expect([bad.verdict, bad.property]).toEqual(['violation', 'lazy-mmu-paused-at-most-once']);
    // The shortest way there: switch to B, which dies; A is switched back in and pauses twice.
    expect(bad.trace?.at(-1)?.action).toMatch(/lazy_mmu_mode_pause: if \(state->pause_count\+\+ == 0/);
  });

  it('the matrix holds a design file to its base design\'s expectations, a pass always meeting them', () => {
    const cells = runMatrix({ designs: [designFromDefinition(wrapFix), designFromDefinition(doublePause)], scenarios: [SEED, 'deferred-isb-access'] });
    expect(cells.map((c) => [c.scenario, c.design, c.expected.verdict, c.verdict, c.property, c.matches])).toEqual([
      // v6 expects a violation here; the remedy passes: welcome.
      [SEED, 'wrap-finish-task-switch', 'violation', 'pass', undefined, true],
      // v6-pause-lazy-mmu-in-finish-task-switch expects a pass; pausing twice breaks the design's own invariant.
      [SEED, 'double-pause', 'pass', 'violation', 'lazy-mmu-paused-at-most-once', false],
      // v6 violates this one the same way; the remedy does not claim to fix it.
      ['deferred-isb-access', 'wrap-finish-task-switch', 'violation', 'violation', 'no-access-before-pte-barriers', true],
      // Its base is not declared here: a pass is expected.
      ['deferred-isb-access', 'double-pause', 'pass', 'violation', 'no-access-before-pte-barriers', false],
    ]);
  });
});

describe('a design file that wraps a function', () => {
  it('runs the wrapper and the original: the remedy written as a wrapper fixes the seed with the same state count', () => {
    const r = runScenario(SEED, { design: wrapFix }).report;
    expect([r.verdict, r.complete, r.stats.distinctStates]).toEqual(['pass', true, 1279]);
  });

  it('keeps the wrapped function once in kernel call traces, and its steps under "(original)" in labels', () => {
    const identity = defineDesign({
      name: 'wrapped-pageattr-pte-entry',
      functions: { pageattr_pte_entry: { wrap: (original) => [local('pageattr_pte_entry()', (k) => k.call(original, { ...k.frame.locals }))] } },
    });
    const v6 = checkScenario(SEED, { design: 'v6' });
    const wrapped = checkScenario(SEED, { design: identity });
    expect(wrapped.callTrace).toEqual(v6.callTrace);
    expect(wrapped.callTrace?.[0]).toBe('pageattr_pte_entry');
    expect(wrapped.trace?.length).toBe(v6.trace?.length);
    expect(wrapped.trace?.filter((s) => s.action.includes('pageattr_pte_entry (original): ')).length).toBe(1);
    expect(wrapped.trace?.filter((s) => s.action.includes(': pageattr_pte_entry: ')).length).toBe(0);
  });

  it('replacing a replaced function: a design based on a design file sees the file\'s version', () => {
    const onTop = designFromDefinition(defineDesign({ name: 'on-top', base: designFromDefinition(wrapFix), knobs: { preemption: 'none' } }));
    expect([...onTop.functions!.keys()]).toEqual(['finish_task_switch', 'finish_task_switch (original)']);
    expect(onTop.invariants?.map((i) => i.name)).toEqual(['finish-task-switch-stores-hold-pgtables-overlay']);
    expect(onTop.knobs.preemption).toBe('none');
  });
});

describe('a broken definition is one clear UsageError', () => {
  const cases: [string, () => DesignDefinition, string][] = [
    ['no name', () => ({ base: 'v6' }) as unknown as DesignDefinition, 'design: needs a name (a string without spaces)'],
    ['a built-in name', () => ({ name: 'v6' }), 'design: is named "v6", which is a built-in design; choose another name'],
    ['an unknown base', () => ({ name: 'x', base: 'v7' }), 'unknown design "v7"; designs: v6, v5,'],
    ['an unknown knob', () => ({ name: 'x', knobs: { lazyMode: true } as never }), 'design: unknown knob "lazyMode"; knobs: porResetOnEntry,'],
    ['a knob with a bad value', () => ({ name: 'x', knobs: { preemption: 'voluntary' as never } }), 'design: knob preemption takes "none" | "full" | "rt"; got "voluntary"'],
    ['a function that does not exist', () => ({ name: 'x', functions: { finish_task_swtich: { replace: [local('x', (k) => k.ret())] } } }), 'design: replaces kernel function "finish_task_swtich", which does not exist (did you mean finish_task_switch?)'],
    ['steps that are not steps', () => ({ name: 'x', functions: { finish_task_switch: { replace: [{ label: 'x' }] as never } } }), 'design: finish_task_switch: step 1 is not a step (make it with event(label, run) or local(label, run))'],
    ['no steps', () => ({ name: 'x', functions: { finish_task_switch: { replace: [] } } }), 'design: finish_task_switch: the steps must be a non-empty array of event(...)/local(...) steps'],
    ['neither replace nor wrap', () => ({ name: 'x', functions: { finish_task_switch: {} as never } }), 'design: functions.finish_task_switch must be { replace: [steps] } or { wrap: (original) => [steps] }'],
    ['an invariant without a check', () => ({ name: 'x', invariants: [{ name: 'my-rule', statement: 'Something holds.' }] }), 'design: invariant my-rule needs holds(facts) or check(event)'],
    ['an invariant named like a built-in one', () => ({ name: 'x', invariants: [{ name: 'break-before-make', statement: 's', holds: () => true }] }), 'design: invariant "break-before-make" has the name of a built-in invariant'],
    ['an unknown field', () => ({ name: 'x', knob: {} }) as unknown as DesignDefinition, 'design: unknown field "knob" (fields: name, description, base, knobs, functions, invariants)'],
  ];
  for (const [what, def, message] of cases)
    it(what, () => {
      let error: unknown;
      try {
        designFromDefinition(def());
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message.startsWith(message), (error as Error).message).toBe(true);
      expect((error as Error).message).not.toContain('\n');
    });

  it('kernelFunction() of an unknown name', () => {
    expect(() => kernelFunction('lazy_mmu_mode_pasue')).toThrow(new UsageError('no kernel function named "lazy_mmu_mode_pasue" (did you mean lazy_mmu_mode_pause?)'));
  });

  it('a design file path given where only names are accepted says how to load it', () => {
    expect(() => getDesign('./fix.ts')).toThrow('"./fix.ts" is a design file: load it with loadDesign()');
  });

  it('a missing design file', async () => {
    await expect(loadDesign('test/designs/fixtures/nope.ts')).rejects.toThrow(new UsageError('design file not found: test/designs/fixtures/nope.ts'));
  });

  it('a step that throws surfaces as the model error of the run, naming the step', () => {
    const throwing = defineDesign({
      name: 'throwing-step',
      functions: { finish_task_switch: { replace: [event('finish_lock_switch(rq)', () => { throw new Error('rq is not locked'); })] } },
    });
    expect(() => checkScenario(SEED, { design: throwing })).toThrow(/threw in .*: rq is not locked$/);
  });
});

describe('replaying under a design file', () => {
  it('the v6 counterexample of the seed no longer replays under the example design (the pause adds steps)', () => {
    const { report } = runScenario(SEED, { design: 'v6' });
    const trace = { scenario: SEED, design: 'v6', property: report.property!, steps: report.trace!.map((s) => ({ action: s.action, actor: s.actor })) };
    expect(replayTrace(trace as never, { design: designFromDefinition(example) })).toMatchObject({
      status: 'diverged',
      design: 'pause-lazy-mmu-in-finish-task-switch',
      label: expect.stringContaining('finish_task_switch'),
    });
    expect(replayTrace(trace as never).status).toBe('reproduced');
  });
});
