/**
 * What a design file imports (`import { defineDesign, event, local } from 'mmcheck/design'`):
 * `defineDesign`, the kernel-as-data vocabulary of model/kernel/ (steps, the K context and its
 * helpers), and the types a design's invariants read. docs/designs.md walks through one.
 */
export {
  callOriginal,
  defineDesign,
  kernelFunction,
  loadDesignFile as loadDesign,
  type DefinedDesign,
  type DesignDefinition,
  type DesignInvariant,
  type FunctionChange,
  type ReplaceFunction,
  type WrapFunction,
} from '../model/design-file.ts';
export { event, local, nextPte, step, K, type KFunction, type Outcome, type Step, type StepKind, type StepResult } from '../model/kernel/exec.ts';
export { dsb, flushTlbKernelRange, kernelAccess, leafSlot, pgtableStore, ptep_get } from '../model/kernel/hw.ts';
export { is_lazy_mmu_mode_active } from '../model/kernel/lazy_mmu.ts';
export {
  KPKEYS_PKEY_DEFAULT,
  KPKEYS_PKEY_PGTABLES,
  POR_EL1_INIT,
  kpkeys_level_por,
  kpkeysLevelOf,
  por_permits,
} from '../model/hardware/pkeys.ts';
export type { Design, Knobs } from '../model/designs.ts';
export type { KernelEvent, KernelFacts } from '../properties/index.ts';
