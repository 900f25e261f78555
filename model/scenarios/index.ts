/** The scenario registry. */
import { UsageError } from '../../checker/index.ts';
import type { Scenario } from './scenario.ts';
import { seedPorResetLazyMmu } from './seed-por-reset-lazy-mmu.ts';
import { tlbiElision } from './tlbi-elision.ts';
import { partialBlockOverlap } from './partial-block-overlap.ts';
import { contPteByPte } from './cont-pte-by-pte.ts';
import { concurrentLocklessWalks } from './concurrent-lockless-walks.ts';
import { bbmBlockSplit } from './bbm-block-split.ts';
import { splitInAtomic } from './split-in-atomic.ts';
import { kfenceSoftirq } from './kfence-softirq.ts';
import { enterWindowPreempt } from './enter-window-preempt.ts';
import { irqFreesPgtable } from './irq-frees-pgtable.ts';
import { nestedLazySaveSlot } from './nested-lazy-save-slot.ts';
import { deferredIsbAccess } from './deferred-isb-access.ts';
import { dataBssLinearAlias } from './data-bss-linear-alias.ts';
import { hibernateCopy } from './hibernate-copy.ts';
import { spuriousTranslationFault } from './spurious-translation-fault.ts';

const SCENARIOS: readonly Scenario[] = [seedPorResetLazyMmu, enterWindowPreempt, irqFreesPgtable, nestedLazySaveSlot, deferredIsbAccess, tlbiElision, partialBlockOverlap, contPteByPte, concurrentLocklessWalks, bbmBlockSplit, splitInAtomic, kfenceSoftirq, dataBssLinearAlias, hibernateCopy, spuriousTranslationFault];

export function allScenarios(): readonly Scenario[] {
  return SCENARIOS;
}

export function scenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

export function getScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new UsageError(`unknown scenario "${name}"; scenarios: ${scenarioNames().join(', ')}`);
  return s;
}

export type { Scenario, Expectation, ScenarioParams } from './scenario.ts';
