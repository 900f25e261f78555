/**
 * What a design changes compared with another: `mmcheck diff BASE NEW`.
 *
 * Both designs run on every scenario (a scenario is a machine and its tasks; any design can
 * run it), at the same bounds. For each scenario the diff gives the verdict under each, the
 * state counts, NEW's counterexample where NEW violates, and, where both pass, which
 * kernel-visible events became reachable or unreachable: the page-table stores and kernel
 * accesses, each summarised by the function that does it, the kpkeys level of POR_EL1, the
 * lazy MMU state and the exception depth it runs at.
 *
 * A regression is a scenario where NEW violates an invariant that BASE holds there (BASE's
 * search of that invariant alone explores the whole bounded space without violating it).
 */
import { check, type CheckOptions, type CheckResult } from '../checker/index.ts';
import { shrinkResult } from '../counterexamples/kernel/shrink-hooks.ts';
import { designOf, type DesignDefinition } from '../model/design-file.ts';
import type { Design } from '../model/designs.ts';
import { kpkeysLevelOf } from '../model/hardware/pkeys.ts';
import { kernelModel, type KernelAction, type KernelModel } from '../model/kernel-model.ts';
import type { K } from '../model/kernel/exec.ts';
import { is_lazy_mmu_mode_active } from '../model/kernel/lazy_mmu.ts';
import type { KernelState } from '../model/kernel/state.ts';
import { allScenarios, getScenario, type ScenarioParams } from '../model/scenarios/index.ts';
import type { KernelEvent } from '../properties/index.ts';
import { reportOf, type ScenarioReport } from './check-scenario.ts';

export interface DiffOptions extends CheckOptions {
  /** Only these scenarios (default: every scenario). */
  readonly scenarios?: readonly string[];
  readonly params?: Partial<ScenarioParams>;
  /** Include seconds in the reports (default true). */
  readonly timing?: boolean;
  /** Called after each scenario, for progress. */
  readonly onScenario?: (d: ScenarioDiff, index: number, total: number) => void;
}

/** One design's result on one scenario. */
export interface DiffSide {
  readonly verdict: CheckResult['verdict'];
  readonly property?: string;
  readonly complete: boolean;
  readonly distinctStates: number;
  readonly traceLength?: number;
}

export interface ScenarioDiff {
  readonly scenario: string;
  readonly base: DiffSide;
  readonly new: DiffSide;
  /** The verdict (or the violated invariant) differs. */
  readonly verdictChanged: boolean;
  /** NEW violates an invariant BASE holds on this scenario. */
  readonly regression: boolean;
  /** NEW's counterexample (shrunk), where NEW violates and BASE does not violate the same way. */
  readonly counterexample?: ScenarioReport;
  /** Where both pass: kernel events NEW reaches and BASE does not, and the reverse. */
  readonly nowReachable: readonly string[];
  readonly noLongerReachable: readonly string[];
}

export interface DesignDiff {
  readonly base: string;
  readonly new: string;
  readonly scenarios: readonly ScenarioDiff[];
  /** Scenarios where NEW regresses. */
  readonly regressions: readonly string[];
  /** Nothing differs: verdicts, reachable events, state counts. */
  readonly unchanged: boolean;
}

interface Run {
  readonly model: KernelModel;
  readonly result: CheckResult<KernelState, KernelAction>;
  readonly events: ReadonlySet<string>;
}

/**
 * One kernel event as the diff summarises it, e.g. `pgtable store in pageattr_pte_entry
 * (PGTABLES page): POR DEFAULT, lazy MMU active, exception depth 1`. Only page-table stores
 * and accesses are summarised: they are where the kpkeys and lazy MMU state matter.
 */
export function eventContext(e: KernelEvent, k: K): string | undefined {
  if (e.kind !== 'pgtable-store' && e.kind !== 'access') return undefined;
  const fn = e.callTrace[0] ?? '?';
  const what = e.kind === 'pgtable-store' ? `pgtable store in ${fn} (${e.pagePkey === 1 ? 'PGTABLES' : 'DEFAULT'} page)` : `${e.access} of ${e.what} in ${fn}`;
  const state = k.task.lazy_mmu_state;
  const lazy = is_lazy_mmu_mode_active(k) ? 'active' : state.enable_count > 0 && state.pause_count > 0 ? 'paused' : 'off';
  // el1h_64_irq is the frame of an exception taken from EL1 (model/kernel/entry.ts).
  const depth = k.task.stack.filter((f) => f.fn === 'el1h_64_irq').length;
  return `${what}: POR ${kpkeysLevelOf(k.cpu.por_el1)}, lazy MMU ${lazy}, exception depth ${depth}`;
}

const newRuns = new WeakMap<ScenarioDiff, Run>();

function search(o: DiffOptions): CheckOptions {
  // One thread: the reachable-event summary is collected here as the search explores.
  const { scenarios: _s, params: _p, timing: _t, onScenario: _o, workers: _w, ...rest } = o;
  // Unreduced by default: the reachable-event summary needs every interleaving (partial-order
  // reduction keeps verdicts, not every intermediate event), and counts stay comparable.
  return { reduction: 'none', ...rest };
}

function run(scenario: string, design: Design, o: DiffOptions, extra: CheckOptions = {}): Run {
  const events = new Set<string>();
  const model = kernelModel(getScenario(scenario), {
    design,
    ...(o.params ? { params: o.params } : {}),
    ...((extra.invariants ?? o.invariants) ? { invariants: extra.invariants ?? o.invariants } : {}),
    onEvent: (e, k) => {
      const c = eventContext(e, k);
      if (c !== undefined) events.add(c);
    },
  });
  const raw = check(model, { ...search(o), ...extra });
  return { model, result: shrinkResult(model, raw), events };
}

function side(r: CheckResult): DiffSide {
  return {
    verdict: r.verdict,
    ...(r.property ? { property: r.property } : {}),
    complete: r.complete,
    distinctStates: r.stats.distinctStates,
    ...(r.trace ? { traceLength: r.trace.length } : {}),
  };
}

/**
 * Does BASE hold `property` on this scenario (a complete search finds no violation of it)? An
 * invariant of NEW's own (a design file's) is checked on BASE too: the question is the same.
 */
function baseHolds(scenario: string, base: Design, baseRun: Run, property: string, next: Design, o: DiffOptions): boolean {
  const r = baseRun.result;
  const checked = baseRun.model.invariants.some((i) => i.name === property);
  if (checked && r.verdict === 'pass') return r.complete;
  if (checked && r.property === property) return false;
  const own = next.invariants?.find((i) => i.name === property);
  const withIt = !checked && own && !base.invariants?.some((i) => i.name === property) ? { ...base, invariants: [...(base.invariants ?? []), own] } : base;
  // Search again for this invariant alone, past violations of others.
  const again = run(scenario, withIt, o, { invariants: [property], continueAfterViolation: true }).result;
  return again.complete && !(again.violations ?? []).some((v) => v.property === property) && again.property !== property;
}

/** Compares NEW with BASE on every scenario (or the chosen ones), at the same bounds. */
export function diffDesigns(baseSpec: string | Design | DesignDefinition, newSpec: string | Design | DesignDefinition, o: DiffOptions = {}): DesignDiff {
  const base = designOf(baseSpec);
  const next = designOf(newSpec);
  const scenarios = o.scenarios?.length ? o.scenarios.map((s) => getScenario(s).name) : allScenarios().map((s) => s.name);
  const out: ScenarioDiff[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const b = run(scenario, base, o);
    const n = run(scenario, next, o);
    const bs = side(b.result);
    const ns = side(n.result);
    const verdictChanged = bs.verdict !== ns.verdict || bs.property !== ns.property;
    const newViolation = ns.verdict === 'violation' && verdictChanged;
    const regression = newViolation && baseHolds(scenario, base, b, ns.property!, next, o);
    const bothPass = bs.verdict === 'pass' && ns.verdict === 'pass';
    const d: ScenarioDiff = {
      scenario,
      base: bs,
      new: ns,
      verdictChanged,
      regression,
      ...(newViolation ? { counterexample: reportOf(n.model, n.result, o.timing ?? true) } : {}),
      nowReachable: bothPass ? [...n.events].filter((e) => !b.events.has(e)).sort() : [],
      noLongerReachable: bothPass ? [...b.events].filter((e) => !n.events.has(e)).sort() : [],
    };
    newRuns.set(d, n);
    out.push(d);
    o.onScenario?.(d, i, scenarios.length);
  }
  return {
    base: base.name,
    new: next.name,
    scenarios: out,
    regressions: out.filter((d) => d.regression).map((d) => d.scenario),
    unchanged: out.every(
      (d) => !d.verdictChanged && !d.nowReachable.length && !d.noLongerReachable.length && d.base.distinctStates === d.new.distinctStates,
    ),
  };
}

/** NEW's model and result on a scenario of a diff, for renderers (kept beside the plain-data diff). */
export function newRunOf(d: ScenarioDiff): { model: KernelModel; result: CheckResult<KernelState, KernelAction> } | undefined {
  return newRuns.get(d);
}
