/** The scenario registry. */
import { UsageError } from '../../checker/index.ts';
import type { Scenario } from './scenario.ts';
import { seedPorResetLazyMmu } from './seed-por-reset-lazy-mmu.ts';
import { tlbiElision } from './tlbi-elision.ts';

const SCENARIOS: readonly Scenario[] = [seedPorResetLazyMmu, tlbiElision];

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
