/**
 * mmcheck's public API.
 *
 * The generic explorer (any Model):
 *   import { check, type Model } from 'mmcheck';
 * Kernel scenarios, as the command line runs them:
 *   import { checkScenario } from 'mmcheck';
 *   checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' }).verdict; // 'violation'
 * vitest matchers: import 'mmcheck/matchers'.
 * Design files (docs/designs.md): import { defineDesign, event, local } from 'mmcheck/design'.
 */
export * from './checker/index.ts';
export { checkScenario, runScenario, type ScenarioCheckOptions, type ScenarioReport, type ScenarioRun } from './api/check-scenario.ts';
export { replayTrace, type ReplayReport, type ReplayOptions } from './api/replay.ts';
export { runMatrix, type MatrixCell, type MatrixOptions } from './api/matrix.ts';
export { kernelModel, type KernelAction, type KernelModel, type KernelModelOptions } from './model/kernel-model.ts';
export { allDesigns, getDesign, registerDesign, type Design, type Knobs } from './model/designs.ts';
export {
  callOriginal,
  defineDesign,
  kernelFunction,
  loadDesign,
  type DefinedDesign,
  type DesignDefinition,
  type DesignInvariant,
  type FunctionChange,
} from './api/design.ts';
export { diffDesigns, type DesignDiff, type DiffOptions, type DiffSide, type ScenarioDiff } from './api/diff.ts';
export { allScenarios, getScenario, type Scenario, type Expectation } from './model/scenarios/index.ts';
export { RULES, type KernelRule } from './properties/index.ts';
export { shrinkPath, shrinkWith, type ShrinkHooks } from './counterexamples/shrink.ts';
export { replayLabels, type ReplayOutcome } from './counterexamples/replay.ts';
export { readTraceFile, writeTraceFile, type TraceFile } from './counterexamples/trace-file.ts';
export { toItfTrace } from './counterexamples/itf.ts';
