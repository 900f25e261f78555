/**
 * The design matrix: every scenario under every design it declares, compared with the
 * scenario's expectation. "Which of these designs break which rules, and how?"
 */
import { UsageError, type CheckOptions } from '../checker/index.ts';
import { designNames, type Design } from '../model/designs.ts';
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
  /**
   * The searches a deep cell ran: breadth-first to the cap, then, when that found nothing,
   * depth-first to the same cap (some deep violations lie past what BFS reaches within the cap).
   * The cell reports the last one. Absent at default bounds (one BFS).
   */
  readonly searches?: readonly ('bfs' | 'dfs')[];
}

export interface MatrixOptions {
  readonly scenarios?: readonly string[];
  /** Built-in design names, or designs loaded from files (`loadDesign`): those run on every scenario. */
  readonly designs?: readonly (string | Design)[];
  readonly onCell?: (cell: MatrixCell, index: number, total: number) => void;
  /** Partial-order and symmetry reduction (default `all`: every reduction each cell's model supports). */
  readonly reduction?: CheckOptions['reduction'];
  /**
   * Wider bounds: every cell with at least two CPUs and two IRQs per CPU (DEEP_PARAMS, or the
   * scenario's own if larger): a BFS capped at DEEP_MAX_STATES states, then, if it found nothing,
   * a DFS with the same cap. It may take minutes.
   */
  readonly deep?: boolean;
}

/** The per-search state cap of a deep run: a pass that reaches it is reported as incomplete. */
export const DEEP_MAX_STATES = 100_000;

export interface CellOptions {
  readonly deep?: boolean;
  readonly reduction?: CheckOptions['reduction'];
  /** The deep cap (default DEEP_MAX_STATES). */
  readonly deepMaxStates?: number;
  /** Seconds each search of the cell may take (default: no limit); past it the cell is incomplete. */
  readonly timeLimitSeconds?: number;
}

/** The parameters a cell runs with: the scenario's defaults, or the deep bounds. */
export function cellParams(scenario: Scenario, deep: boolean): ScenarioParams {
  if (!deep) return scenario.params;
  return { ...scenario.params, cpus: Math.max(scenario.params.cpus, DEEP_PARAMS.cpus), irqs: Math.max(scenario.params.irqs, DEEP_PARAMS.irqs) };
}

/**
 * The cells to run. A built-in design runs where a scenario declares it, against that
 * expectation. A design file declares no expectations: it runs on every scenario (or the
 * chosen ones) and is held to its base design's expectations, except that passing is always
 * welcome (see `meetsProposedDesign`).
 */
export interface MatrixPlanEntry {
  readonly scenario: Scenario;
  /** The design's name. */
  readonly design: string;
  /** A design file's design (not declared by the scenario: see `runCell`). */
  readonly proposed?: Design;
}

export function matrixPlan(o: MatrixOptions = {}): MatrixPlanEntry[] {
  const known = new Set(designNames());
  const names = (o.designs ?? []).filter((d): d is string => typeof d === 'string');
  const objects = (o.designs ?? []).filter((d): d is Design => typeof d !== 'string');
  for (const d of names) if (!known.has(d)) throw new UsageError(`unknown design "${d}"; designs: ${[...known].join(', ')}`);
  const scenarios = o.scenarios?.length ? o.scenarios.map(getScenario) : allScenarios();
  const plan: MatrixPlanEntry[] = [];
  for (const scenario of scenarios) {
    for (const design of Object.keys(scenario.expectations)) if (!o.designs?.length || names.includes(design)) plan.push({ scenario, design });
    for (const proposed of objects) plan.push({ scenario, design: proposed.name, proposed });
  }
  return plan;
}

/** Where its base design is not declared, a design file is expected to hold every invariant. */
const PROPOSED_DESIGN_EXPECTATION: Expectation = { verdict: 'pass', why: 'a proposed design is expected to hold every invariant' };

/**
 * What a design file is held to on a scenario: its base design's expectation there (or a pass),
 * and a complete pass always meets it: a design that fixes what its base breaks is the point.
 */
function proposedExpectation(scenario: Scenario, design: Design, deep: boolean): { expected: Expectation; meets: (r: ScenarioReport) => boolean } {
  const expected = (design.base !== undefined ? scenario.expectations[design.base] : undefined) ?? PROPOSED_DESIGN_EXPECTATION;
  return { expected, meets: (r) => (r.verdict === 'pass' && r.complete) || meetsExpectation(expected, r, { callTrace: !deep }) };
}

/** `needle` appears in `hay` in order, gaps allowed (an expected call trace in a real one). */
export function isSubsequence(needle: readonly string[], hay: readonly string[]): boolean {
  let i = 0;
  for (const x of hay) if (x === needle[i]) i++;
  return i === needle.length;
}

/**
 * Does a check's report give what the scenario expects of this design? Passes must be complete.
 * `callTrace: false` leaves the expected call trace out: at deep bounds another CPU may break
 * the same rule first through another caller (partial-block-overlap × walker-without-overlap-check:
 * the background's secretmem reaches pageattr_pmd_entry() through set_direct_map_invalid_noflush(),
 * not the scenario's set_memory_ro()).
 */
export function meetsExpectation(expected: Expectation, report: ScenarioReport, o: { callTrace?: boolean } = {}): boolean {
  return (
    report.verdict === expected.verdict &&
    (expected.verdict === 'pass' ? report.complete : report.property === expected.property) &&
    (o.callTrace === false || !expected.callTrace || isSubsequence(expected.callTrace, report.callTrace ?? []))
  );
}

export function runCell(scenario: Scenario, design: string | Design, o: CellOptions = {}): MatrixCell {
  const { expected, meets } =
    typeof design === 'string'
      ? { expected: scenario.expectations[design], meets: (r: ScenarioReport) => meetsExpectation(scenario.expectations[design], r, { callTrace: !o.deep }) }
      : proposedExpectation(scenario, design, !!o.deep);
  const t0 = performance.now();
  const base = { design, params: cellParams(scenario, !!o.deep), ...(o.deep ? { maxStates: o.deepMaxStates ?? DEEP_MAX_STATES } : {}), ...(o.reduction ? { reduction: o.reduction } : {}), ...(o.timeLimitSeconds ? { timeLimitSeconds: o.timeLimitSeconds } : {}) };
  let { report } = runScenario(scenario.name, base);
  const searches: ('bfs' | 'dfs')[] = ['bfs'];
  // Deep: a BFS that stops at the cap with nothing found has only seen the shallow schedules.
  if (o.deep && !report.complete && report.verdict !== 'violation') {
    report = runScenario(scenario.name, { ...base, strategy: 'dfs' }).report;
    searches.push('dfs');
  }
  const seconds = Math.round(performance.now() - t0) / 1000;
  const matches = meets(report);
  return {
    scenario: scenario.name,
    design: report.design,
    expected: { verdict: expected.verdict, ...(expected.property ? { property: expected.property } : {}) },
    verdict: report.verdict,
    ...(report.property ? { property: report.property } : {}),
    ...(report.trace ? { traceLength: report.trace.length } : {}),
    distinctStates: report.stats.distinctStates,
    complete: report.complete,
    matches,
    seconds,
    ...(report.message ? { message: report.message } : {}),
    ...(o.deep ? { searches } : {}),
  };
}

/**
 * How a cell run twice (here: unreduced, then reduced) agrees with itself. Two violations of one
 * property, or two passes over whole spaces, are `same`; one side stopped by a cap or a time
 * limit (incomplete) agrees with anything. A `CONTRADICTION` is one side passing over its whole
 * space where the other found a violation, or two different violated properties.
 */
export type CellAgreement = 'same' | 'only the second complete' | 'only the first complete' | 'both incomplete' | 'CONTRADICTION';
export function cellAgreement(first: MatrixCell, second: MatrixCell): CellAgreement {
  const v = (c: MatrixCell) => (c.verdict === 'violation' ? 'violation' : c.complete ? 'pass' : 'incomplete');
  const [a, b] = [v(first), v(second)];
  if (a === 'violation' && b === 'violation') return first.property === second.property ? 'same' : 'CONTRADICTION';
  if (a === b) return a === 'pass' ? 'same' : 'both incomplete';
  if (a === 'incomplete') return 'only the second complete';
  if (b === 'incomplete') return 'only the first complete';
  return 'CONTRADICTION';
}

export function runMatrix(o: MatrixOptions = {}): MatrixCell[] {
  const plan = matrixPlan(o);
  return plan.map(({ scenario, design, proposed }, i) => {
    const cell = runCell(scenario, proposed ?? design, { deep: !!o.deep, ...(o.reduction ? { reduction: o.reduction } : {}) });
    o.onCell?.(cell, i, plan.length);
    return cell;
  });
}
