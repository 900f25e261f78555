/** What a scenario declares: its machine, its tasks, what it checks, and what each design should give. */
import type { Knobs } from '../designs.ts';
import type { Geometry } from '../hardware/geometry.ts';
import type { Layout } from '../kernel/env.ts';
import type { KernelState } from '../kernel/state.ts';

export interface ScenarioParams {
  /** IRQs the environment may raise in one run. */
  readonly irqs: number;
  /** Entries per page table. */
  readonly fanout: number;
  /** TLB evictions the hardware may make in one run (default 0; hardware/tlb.ts). */
  readonly evictions?: number;
}

export interface Expectation {
  readonly verdict: 'pass' | 'violation';
  /** The invariant violated first (verdict violation). */
  readonly property?: string;
  /** Functions the faulting task's call trace contains, innermost first, in this order. */
  readonly callTrace?: readonly string[];
  /** Why, in a sentence: shown in the matrix docs. */
  readonly why: string;
}

export interface BuildContext {
  readonly knobs: Knobs;
  readonly geometry: Geometry;
  readonly params: ScenarioParams;
}

export interface Built {
  readonly layout: Layout;
  /** The initial state, before the first step (locals not yet settled). */
  readonly state: KernelState;
}

export interface IrqSource {
  /** Shown in action labels: `IRQ (timer)`. */
  readonly name: string;
  /** The kernel function that handles it. */
  readonly handler: string;
}

export interface Scenario {
  readonly name: string;
  /** One line for listings. */
  readonly summary: string;
  /** Which seed it comes from, if any. */
  readonly seed?: string;
  /** The invariants this scenario checks, by name, in order of report. */
  readonly invariants: readonly string[];
  readonly params: ScenarioParams;
  readonly irqSources: readonly IrqSource[];
  /**
   * CPUs that run the same programs (with the tasks pinned to them, matched in task order), so
   * that states equal up to swapping them are one state (`--reduction symmetry`; model/kernel/symmetry.ts).
   */
  readonly symmetry?: { readonly cpus: readonly number[] };
  /** Expected verdict per design (the designs the matrix runs this scenario under). */
  readonly expectations: Readonly<Record<string, Expectation>>;
  build(ctx: BuildContext): Built;
}
