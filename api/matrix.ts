/**
 * The design matrix: every scenario under every design it declares, compared with the
 * scenario's expectation. "Which of these designs break which rules, and how?"
 */
import { UsageError, type CheckOptions } from '../checker/index.ts';
import { designNames } from '../model/designs.ts';
import { allScenarios, getScenario, type Expectation, type Scenario } from '../model/scenarios/index.ts';
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
  /** Partial-order and symmetry reduction (default `all`: what each cell's model supports). */
  readonly reduction?: CheckOptions['reduction'];
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

export function runCell(scenario: Scenario, design: string, o: Pick<MatrixOptions, 'reduction'> = {}): MatrixCell {
  const expected = scenario.expectations[design];
  const t0 = performance.now();
  const { report } = runScenario(scenario.name, { design, ...(o.reduction ? { reduction: o.reduction } : {}) });
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
    const cell = runCell(scenario, design, o);
    o.onCell?.(cell, i, plan.length);
    return cell;
  });
}
