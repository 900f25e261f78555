/**
 * The library API: check a scenario under a design and get what `mmcheck check --json` prints.
 *
 *   const r = checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' });
 *   r.verdict   // 'violation'
 *   r.property  // 'pgtable-writes-hold-pgtables-overlay'
 */
import { check, checkAsync, resultToJson, type AsyncCheckHooks, type CheckOptions, type CheckResult } from '../checker/index.ts';
import { knobDiff } from '../model/designs.ts';
import { kernelModel, type KernelAction, type KernelModel } from '../model/kernel-model.ts';
import type { KernelState } from '../model/kernel/state.ts';
import type { Design } from '../model/designs.ts';
import type { DesignDefinition } from '../model/design-file.ts';
import { getScenario, type ScenarioParams } from '../model/scenarios/index.ts';
import { shrinkResult } from '../counterexamples/kernel/shrink-hooks.ts';
import { scheduleCounts, stepViews } from '../counterexamples/kernel/steps.ts';

export interface ScenarioCheckOptions extends CheckOptions {
  /**
   * A design name (default v6), a design object, or a design file's default export
   * (`import fix from './fix.ts'`). A file path is loaded with `await loadDesign(path)` first.
   */
  readonly design?: string | Design | DesignDefinition;
  /** `knob=value` overrides of the design. */
  readonly set?: readonly string[];
  /** Scenario parameters: `irqs`, `fanout`. */
  readonly params?: Partial<ScenarioParams>;
  /** Shrink dfs/random counterexamples (default true). */
  readonly shrink?: boolean;
  /** The search bounds, as a group (same fields as the flat options, which they override). */
  readonly bounds?: Pick<CheckOptions, 'maxDepth' | 'maxStates' | 'timeLimitSeconds' | 'maxPreemptions' | 'deadlock'>;
}

/** The JSON report (what the CLI prints with --json). */
export interface ScenarioReport {
  readonly scenario: string;
  readonly design: string;
  /** Knobs that differ from v6, in command-line spelling. */
  readonly knobs: readonly string[];
  readonly verdict: CheckResult['verdict'];
  readonly complete: boolean;
  readonly property?: string;
  /** The kernel's fault line, or the rule's description of the violation. */
  readonly message?: string;
  /** What the violated rule saw, in its words (when it is an event rule). */
  readonly detail?: string;
  /** How the counterexample's kernel ended: an oops, or WARNs it survived (their lines in `warnings`). */
  readonly outcome?: 'oops' | 'warn';
  readonly warnings?: readonly string[];
  /** The faulting (or violating) task's call trace, innermost first. */
  readonly callTrace?: readonly string[];
  readonly trace?: CheckResult['trace'];
  readonly stats: CheckResult['stats'];
  readonly [key: string]: unknown;
}

export interface ScenarioRun {
  readonly model: KernelModel;
  readonly result: CheckResult<KernelState, KernelAction>;
  readonly report: ScenarioReport;
}

export function buildScenarioModel(name: string, o: ScenarioCheckOptions = {}): KernelModel {
  return kernelModel(getScenario(name), {
    ...(o.design !== undefined ? { design: o.design } : {}),
    ...(o.set ? { set: o.set } : {}),
    ...(o.params ? { params: o.params } : {}),
    ...(o.invariants ? { invariants: o.invariants } : {}),
  });
}

function searchOptions(o: ScenarioCheckOptions): CheckOptions {
  const { design: _d, set: _s, params: _p, shrink: _sh, invariants: _i, bounds, ...rest } = o;
  return { ...rest, ...bounds };
}

/**
 * Where the violation happened: `message` is the kernel's fault line when it oopsed, else the
 * rule's description; `detail` is always the rule's description when the rule recorded one.
 */
export function violationDetails(r: CheckResult<KernelState, KernelAction>): { message?: string; detail?: string; callTrace?: string[] } {
  if (!r.path || !r.property) return {};
  const last = r.path.steps.length ? r.path.steps[r.path.steps.length - 1].state : r.path.initial;
  const v = last.violations.get(r.property);
  const detail = v ? { detail: v.message } : {};
  if (last.oops) return { message: last.oops.message, ...detail, callTrace: last.oops.callTrace.toArray() };
  if (v) return { message: v.message, ...detail, callTrace: v.callTrace.toArray() };
  const w = last.warnings.last();
  if (w) return { message: w.message, callTrace: w.callTrace.toArray() };
  return {};
}

/**
 * How the counterexample's kernel ended (model/kernel/fault.ts): `oops` (die_kernel_fault), or
 * still running after `warn`ings (WARNs, KFENCE reports it recovered from); with the messages.
 */
export function faultOutcome(r: CheckResult<KernelState, KernelAction>): { outcome?: 'oops' | 'warn'; warnings?: string[] } {
  if (!r.path) return {};
  const last = r.path.steps.length ? r.path.steps[r.path.steps.length - 1].state : r.path.initial;
  const warnings = last.warnings.map((w) => `${w.kind === 'WARN' ? 'WARNING' : 'KFENCE'} on CPU${w.cpu} (${w.task}): ${w.message}`).toArray();
  const outcome = last.oops ? 'oops' : warnings.length ? 'warn' : undefined;
  return { ...(outcome ? { outcome } : {}), ...(warnings.length ? { warnings } : {}) };
}

export function reportOf(model: KernelModel, r: CheckResult<KernelState, KernelAction>, timing = true): ScenarioReport {
  const json = resultToJson(r, { timing }) as Record<string, unknown>;
  const { model: _m, ...rest } = json;
  // For a counterexample: how many interrupts and preemptions its schedule needs.
  const schedule = r.path ? { steps: r.path.steps.length, ...scheduleCounts(stepViews(model, r.path)) } : undefined;
  return {
    scenario: model.scenario.name,
    design: model.design.name,
    knobs: knobDiff(model.design),
    // A design file: the kernel functions it replaces or wraps.
    ...(model.design.functions ? { functions: [...model.design.functions.keys()].filter((f) => !/ \(original( \d+)?\)$/.test(f)) } : {}),
    params: model.params,
    ...rest,
    ...violationDetails(r),
    ...faultOutcome(r),
    ...(schedule ? { schedule } : {}),
  } as unknown as ScenarioReport;
}

function finish(model: KernelModel, raw: CheckResult<KernelState, KernelAction>, o: ScenarioCheckOptions): ScenarioRun {
  const result = o.shrink === false ? raw : shrinkResult(model, raw);
  return { model, result, report: reportOf(model, result) };
}

export function runScenario(name: string, o: ScenarioCheckOptions = {}): ScenarioRun {
  const model = buildScenarioModel(name, o);
  return finish(model, check(model, searchOptions(o)), o);
}

/** Checks an already built scenario model in slices (progress, Ctrl-C); `o` gives the search options. */
export async function runModelAsync(model: KernelModel, o: ScenarioCheckOptions = {}, hooks: AsyncCheckHooks = {}): Promise<ScenarioRun> {
  return finish(model, await checkAsync(model, searchOptions(o), hooks), o);
}

/** Checks a scenario and returns the report `mmcheck check SCENARIO --json` prints. */
export function checkScenario(name: string, o: ScenarioCheckOptions = {}): ScenarioReport {
  return runScenario(name, o).report;
}

export type { AsyncCheckHooks };
