/**
 * Replaying a saved trace against the model as it is now, possibly under another design:
 * does the recorded violation still happen?
 */
import { UsageError, type Model } from '../checker/index.ts';
import { replayLabels, type ReplayOutcome } from '../counterexamples/replay.ts';
import type { TraceFile } from '../counterexamples/trace-file.ts';
import { kernelModel, type KernelAction, type KernelModel } from '../model/kernel-model.ts';
import type { KernelState } from '../model/kernel/state.ts';
import { designNames, type Design } from '../model/designs.ts';
import { getScenario } from '../model/scenarios/index.ts';
import { violationDetails } from './check-scenario.ts';

export interface ReplayReport {
  readonly status: 'reproduced' | 'not-reproduced' | 'diverged';
  readonly scenario?: string;
  readonly design?: string;
  readonly property: string;
  /** Steps that replayed. */
  readonly replayed: number;
  readonly violatedAt?: number;
  /** diverged: the step (1-based) that is not enabled, its label, and what is enabled there. */
  readonly step?: number;
  readonly label?: string;
  readonly enabled?: readonly string[];
  readonly message?: string;
  readonly callTrace?: readonly string[];
  /** What happened, in one sentence. */
  readonly explanation: string;
}

export interface ReplayOptions {
  /** Replay under this design instead of the recorded one (a name, or a design loaded from a file). */
  readonly design?: string | Design;
  /** Extra knob overrides (after the recorded ones). */
  readonly set?: readonly string[];
}

/** The kernel model a scenario trace was recorded on, optionally under another design. */
export function modelForTrace(t: TraceFile, o: ReplayOptions = {}): KernelModel {
  if (!t.scenario) throw new UsageError('this trace was recorded on a model file; replay it with its --model');
  const design = o.design ?? t.design ?? 'v6';
  if (typeof design === 'string' && o.design === undefined && !designNames().includes(design))
    throw new UsageError(`this trace was recorded under design "${design}", which is not built in (a design file?): replay it with --design FILE`);
  const set = o.design !== undefined ? [...(o.set ?? [])] : [...(t.set ?? []), ...(o.set ?? [])];
  return kernelModel(getScenario(t.scenario), {
    design,
    set,
    ...(t.params ? { params: t.params } : {}),
    ...(t.invariants ? { invariants: t.invariants } : {}),
  });
}

export function explainReplay<S, A>(
  outcome: ReplayOutcome<S, A>,
  property: string,
  under: string,
): Pick<ReplayReport, 'status' | 'replayed' | 'violatedAt' | 'step' | 'label' | 'enabled' | 'explanation'> {
  switch (outcome.status) {
    case 'reproduced':
      return {
        status: 'reproduced',
        replayed: outcome.path.steps.length,
        violatedAt: outcome.violatedAt,
        explanation: `the recorded violation of ${property} reproduces under ${under} at step ${outcome.violatedAt}`,
      };
    case 'not-reproduced':
      return {
        status: 'not-reproduced',
        replayed: outcome.path.steps.length,
        explanation: `the violation no longer reproduces: the trace replays all ${outcome.path.steps.length} steps under ${under} but ${property} holds`,
      };
    case 'diverged':
      return {
        status: 'diverged',
        replayed: outcome.path.steps.length,
        step: outcome.step,
        label: outcome.label,
        enabled: outcome.enabled,
        explanation:
          `the trace no longer replays under ${under}: step ${outcome.step} ("${outcome.label}") is not enabled; ` +
          `enabled there: ${outcome.enabled.length ? outcome.enabled.map((l) => `"${l}"`).join(', ') : 'nothing'}`,
      };
  }
}

/** Replays a scenario trace; the model it used comes back too, for renderers. */
export function replayScenarioTrace(t: TraceFile, o: ReplayOptions = {}): { model: KernelModel; outcome: ReplayOutcome<KernelState, KernelAction>; report: ReplayReport } {
  const model = modelForTrace(t, o);
  if (!model.invariants.some((i) => i.name === t.property))
    throw new UsageError(`the trace's property "${t.property}" is not checked by scenario ${t.scenario}`);
  const outcome = replayLabels(model, t.steps.map((s) => s.action), t.property);
  const details =
    outcome.status === 'reproduced'
      ? violationDetails({ verdict: 'violation', property: t.property, path: outcome.path } as Parameters<typeof violationDetails>[0])
      : {};
  const report: ReplayReport = {
    scenario: t.scenario!,
    design: model.design.name,
    property: t.property,
    ...explainReplay(outcome, t.property, `design ${model.design.name}`),
    ...details,
  };
  return { model, outcome, report };
}

/** Replays a trace of a user model (already loaded). */
export function replayModelTrace<S, A>(model: Model<S, A>, t: TraceFile): { outcome: ReplayOutcome<S, A>; report: ReplayReport } {
  const outcome = replayLabels(model, t.steps.map((s) => s.action), t.property);
  return { outcome, report: { property: t.property, ...explainReplay(outcome, t.property, `model ${model.name}`) } };
}

/** For tests: replay a scenario trace and get the report. */
export function replayTrace(t: TraceFile, o: ReplayOptions = {}): ReplayReport {
  return replayScenarioTrace(t, o).report;
}
