/**
 * The design matrix: every scenario under every design it declares, compared with the
 * scenario's expectation. "Which of these designs break which rules, and how?"
 */
import { UsageError } from '../checker/index.ts';
import { designNames } from '../model/designs.ts';
import { allScenarios, getScenario, type Expectation, type Scenario, type ScenarioParams } from '../model/scenarios/index.ts';
import { DEEP_PARAMS } from '../model/scenarios/scenario.ts';
import { runScenario, type ScenarioReport } from './check-scenario.ts';

export interface MatrixCell {
  readonly scenario: string;
  readonly design: string;
  readonly expected: { readonly verdict: 'pass' | 'violation'; readonly property?: string };
  readonly verdict: string;
  readonly property?: string;
  readonly traceLength?: number;
  readonly distinctStates: number;
  readonly complete: boolean;
  /** Actual equals expected (and a pass explored its whole bounded space). */
  readonly matches: boolean;
  readonly seconds: number;
  readonly message?: string;
}

export interface MatrixOptions {
  readonly scenarios?: readonly string[];
  readonly designs?: readonly string[];
  readonly onCell?: (cell: MatrixCell, index: number, total: number) => void;
  /**
   * Wider bounds: every cell with at least two CPUs and two IRQs per CPU (DEEP_PARAMS, or the
   * scenario's own if larger), capped at DEEP_MAX_STATES states per cell. It may take minutes.
   */
  readonly deep?: boolean;
}

/** The per-cell state cap of a deep run: a pass that reaches it is reported as incomplete. */
export const DEEP_MAX_STATES = 50_000;

/** The parameters a cell runs with: the scenario's defaults, or the deep bounds. */
export function cellParams(scenario: Scenario, deep: boolean): ScenarioParams {
  if (!deep) return scenario.params;
  return { ...scenario.params, cpus: Math.max(scenario.params.cpus, DEEP_PARAMS.cpus), irqs: Math.max(scenario.params.irqs, DEEP_PARAMS.irqs) };
}

export function matrixPlan(o: MatrixOptions = {}): { scenario: Scenario; design: string }[] {
  const known = new Set(designNames());
  for (const d of o.designs ?? []) if (!known.has(d)) throw new UsageError(`unknown design "${d}"; designs: ${[...known].join(', ')}`);
  const scenarios = o.scenarios?.length ? o.scenarios.map(getScenario) : allScenarios();
  const plan: { scenario: Scenario; design: string }[] = [];
  for (const scenario of scenarios)
    for (const design of Object.keys(scenario.expectations)) if (!o.designs?.length || o.designs.includes(design)) plan.push({ scenario, design });
  return plan;
}

/** `needle` appears in `hay` in order, gaps allowed (an expected call trace in a real one). */
export function isSubsequence(needle: readonly string[], hay: readonly string[]): boolean {
  let i = 0;
  for (const x of hay) if (x === needle[i]) i++;
  return i === needle.length;
}

/** Does a check's report give what the scenario expects of this design? Passes must be complete. */
export function meetsExpectation(expected: Expectation, report: ScenarioReport): boolean {
  return (
    report.verdict === expected.verdict &&
    (expected.verdict === 'pass' ? report.complete : report.property === expected.property) &&
    (!expected.callTrace || isSubsequence(expected.callTrace, report.callTrace ?? []))
  );
}

export function runCell(scenario: Scenario, design: string, o: { deep?: boolean } = {}): MatrixCell {
  const expected = scenario.expectations[design];
  const t0 = performance.now();
  const { report } = runScenario(scenario.name, { design, params: cellParams(scenario, !!o.deep), ...(o.deep ? { maxStates: DEEP_MAX_STATES } : {}) });
  const seconds = Math.round(performance.now() - t0) / 1000;
  const matches = meetsExpectation(expected, report);
  return {
    scenario: scenario.name,
    design,
    expected: { verdict: expected.verdict, ...(expected.property ? { property: expected.property } : {}) },
    verdict: report.verdict,
    ...(report.property ? { property: report.property } : {}),
    ...(report.trace ? { traceLength: report.trace.length } : {}),
    distinctStates: report.stats.distinctStates,
    complete: report.complete,
    matches,
    seconds,
    ...(report.message ? { message: report.message } : {}),
  };
}

export function runMatrix(o: MatrixOptions = {}): MatrixCell[] {
  const plan = matrixPlan(o);
  return plan.map(({ scenario, design }, i) => {
    const cell = runCell(scenario, design, { deep: !!o.deep });
    o.onCell?.(cell, i, plan.length);
    return cell;
  });
}
