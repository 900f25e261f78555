/** What a scenario declares: its machine, its tasks, what it checks, and what each design should give. */
import type { Knobs } from '../designs.ts';
import type { Geometry } from '../hardware/geometry.ts';
import type { Layout } from '../kernel/env.ts';
import type { KernelState } from '../kernel/state.ts';
import type { BackgroundKind } from './backgrounds.ts';

export interface ScenarioParams {
  /** IRQs the environment may raise in one run, on each CPU. */
  readonly irqs: number;
  /** Entries per page table. */
  readonly fanout: number;
  /** CPUs: the scenario's own, plus cpus - 1 more, each running one of the scenario's backgrounds. */
  readonly cpus: number;
  /** TLB evictions the hardware may make in one run (default 0; hardware/tlb.ts). */
  readonly evictions?: number;
}

/**
 * The documented range of each scenario parameter (`--param`). Each IRQ and each CPU multiplies
 * the interleavings, and the fanout the pages a walk visits: beyond these the state space
 * outgrows any machine, so they are refused rather than left to the memory guard.
 */
export const PARAM_LIMITS: Readonly<Record<keyof ScenarioParams, { readonly min: number; readonly max: number }>> = {
  irqs: { min: 0, max: 8 },
  fanout: { min: 2, max: 16 },
  cpus: { min: 1, max: 4 },
  /** TLB evictions the hardware may make in one run: each is an environment step anywhere. */
  evictions: { min: 0, max: 8 },
};

/** The bounds of `matrix --deep`: at least two CPUs and two IRQs per CPU. */
export const DEEP_PARAMS: Pick<ScenarioParams, 'irqs' | 'cpus'> = { irqs: 2, cpus: 2 };

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

/** The timer tick (arch_timer_handler_phys): the IRQ source every scenario has. */
export const TIMER_TICK: IrqSource = { name: 'timer', handler: 'arch_timer_handler_phys' };

export interface Scenario {
  readonly name: string;
  /** One line for listings. */
  readonly summary: string;
  /** Which seed it comes from, if any. */
  readonly seed?: string;
  /** The invariants this scenario checks, by name, in order of report. */
  readonly invariants: readonly string[];
  readonly params: ScenarioParams;
  /** IRQ sources of every CPU (the timer tick at least). */
  readonly irqSources: readonly IrqSource[];
  /**
   * CPUs that run the same programs (with the tasks pinned to them, matched in task order), so
   * that states equal up to swapping them are one state (`--reduction symmetry`; model/kernel/symmetry.ts).
   */
  readonly symmetry?: { readonly cpus: readonly number[] };
  /** What the extra CPUs of `cpus=N` run, in order (cycling): see backgrounds.ts. */
  readonly backgrounds: readonly BackgroundKind[];
  /** Expected verdict per design (the designs the matrix runs this scenario under). */
  readonly expectations: Readonly<Record<string, Expectation>>;
  build(ctx: BuildContext): Built;
}
