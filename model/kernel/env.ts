/** What is fixed for one run: the design, the geometry, the boot-time page layout. */
import type { KernelEvent, KernelRule } from '../../properties/index.ts';
import type { Design, Knobs } from '../designs.ts';
import type { K, KFunction } from './exec.ts';
import type { Geometry } from '../hardware/geometry.ts';

export interface Layout {
  /** swapper_pg_dir's page. */
  readonly root: number;
  /** Page number -> what the page is ("swapper_pg_dir", "vmalloc pte table", "B's pgd"...). */
  readonly pageNames: ReadonlyMap<number, string>;
  /** Pages the boot mapped outside the linear map (vmalloc areas, the kernel image): not free memory. */
  readonly mappedElsewhere: ReadonlySet<number>;
  /** VA through which the kernel writes a page-table page (its linear alias, or the kernel image for swapper_pg_dir). */
  readonly tableVa: (page: number) => number;
  /** Pages whose linear alias is text/rodata (invariant 14). */
  readonly textPages: readonly number[];
  /** Pages whose linear alias is deliberately unmapped (data/bss under seed 001). */
  readonly unmappedAliasPages: readonly number[];
  /** Named VAs a scenario's code uses (the zero page, a KFENCE object...). */
  readonly vas: ReadonlyMap<string, number>;
}

export interface Env {
  readonly design: Design;
  readonly knobs: Knobs;
  readonly geometry: Geometry;
  readonly layout: Layout;
  /** Rules whose violations are recorded in the state (the checked invariants). */
  readonly recorded: ReadonlySet<string>;
  /** The design's own versions of kernel functions, by name (design files); the rest are the model's. */
  readonly functions?: ReadonlyMap<string, KFunction>;
  /** Every rule events are checked against: the built-in ones plus the design's own (default: the built-in ones). */
  readonly rules?: readonly KernelRule[];
  /** Sees every kernel event as it is reported (mmcheck diff's summary of what is reachable). */
  readonly onEvent?: (e: KernelEvent, k: K) => void;
  /**
   * Ghost, outside the state: told when the code skips an operation the design lets it skip
   * (an elided TLBI, a skipped kpkeys guard). Unset while checking; a counterexample renderer
   * replays a trace with it set to show what did not happen. The state never changes.
   */
  readonly onSkipped?: (op: SkippedOperation) => void;
}

/** An operation the code skipped, and why (the condition that let it). */
export interface SkippedOperation {
  readonly cpu: number;
  readonly task: string;
  /** The function that skipped it. */
  readonly fn: string;
  /** The operation, in kernel words (`flush_tlb_kernel_range(start, start + size)`). */
  readonly op: string;
  readonly why: string;
}
