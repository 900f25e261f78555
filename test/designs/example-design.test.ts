/**
 * examples/designs/pause-lazy-mmu-in-finish-task-switch.ts (the design file docs/designs.md
 * writes) is the built-in v6-pause-lazy-mmu-in-finish-task-switch, written as a maintainer
 * would: replacing finish_task_switch()'s steps instead of setting a knob. Same verdicts, same
 * counterexamples, same state counts, on every scenario.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { meetsExpectation } from '../../api/matrix.ts';
import { allScenarios } from '../../model/scenarios/index.ts';
import { fnNamed } from '../../model/kernel/exec.ts';
import { loadDesignFile } from '../../model/design-file.ts';
import example from '../../examples/designs/pause-lazy-mmu-in-finish-task-switch.ts';
import * as root from 'mmcheck';
import * as designApi from 'mmcheck/design';
import { diffDesigns } from '../../api/diff.ts';

const BUILT_IN = 'v6-pause-lazy-mmu-in-finish-task-switch';

describe('the example design file gives what the built-in design gives', () => {
  for (const scenario of allScenarios()) {
    it(`${scenario.name}: same verdict, invariant, trace and state count${scenario.expectations[BUILT_IN] ? ', and the declared expectation' : ''}`, () => {
      const fromFile = runScenario(scenario.name, { design: example }).report;
      const builtIn = runScenario(scenario.name, { design: BUILT_IN }).report;
      const shape = (r: typeof fromFile) => ({
        verdict: r.verdict,
        property: r.property,
        complete: r.complete,
        trace: r.trace?.map((s) => s.action),
        distinct: r.stats.distinctStates,
        generated: r.stats.generatedStates,
      });
      expect(shape(fromFile)).toEqual(shape(builtIn));
      expect(fromFile.design).toBe('pause-lazy-mmu-in-finish-task-switch');
      expect(fromFile.functions).toEqual(['finish_task_switch']);
      const declared = scenario.expectations[BUILT_IN];
      if (declared) expect(meetsExpectation(declared, fromFile)).toBe(true);
    });
  }

  it('is declared by the seed scenario family (the matrix cells it is compared on)', () => {
    const declaring = allScenarios().filter((s) => s.expectations[BUILT_IN]).map((s) => s.name);
    expect(declaring).toEqual(['seed-por-reset-lazy-mmu', 'enter-window-preempt']);
  });

  it('loads from its path as the command line loads it, to the same design', async () => {
    const d = await loadDesignFile('examples/designs/pause-lazy-mmu-in-finish-task-switch.ts');
    expect(d.name).toBe('pause-lazy-mmu-in-finish-task-switch');
    expect(d.base).toBe('v6');
    expect([...d.functions!.keys()]).toEqual(['finish_task_switch']);
    expect(runScenario('seed-por-reset-lazy-mmu', { design: d }).report.stats.distinctStates).toBe(1279);
  });

  it('replaces finish_task_switch only in the models built with it', () => {
    const global = fnNamed('finish_task_switch');
    runScenario('seed-por-reset-lazy-mmu', { design: example });
    expect(fnNamed('finish_task_switch')).toBe(global);
    const v6 = runScenario('seed-por-reset-lazy-mmu', { design: 'v6' }).report;
    expect([v6.verdict, v6.property, v6.trace?.length]).toEqual(['violation', 'pgtable-writes-hold-pgtables-overlay', 18]);
  });

  it('the design API is exported from the package root and from mmcheck/design', () => {
    expect([root.defineDesign, root.loadDesign, root.kernelFunction, root.callOriginal, root.diffDesigns]).toEqual([
      designApi.defineDesign,
      designApi.loadDesign,
      designApi.kernelFunction,
      designApi.callOriginal,
      diffDesigns,
    ]);
    expect(typeof designApi.event).toBe('function');
    expect(typeof designApi.local).toBe('function');
  });
});
