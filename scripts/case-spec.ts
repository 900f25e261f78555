/**
 * The case syntax of the reduction scripts (reduction-table.ts, reduction-dependencies.ts):
 * `SCENARIO[:param=N,...][@DESIGN+DESIGN...]`, parameters as `mmcheck check --param`.
 */
import { getScenario } from '../model/scenarios/index.ts';

export interface CaseSpec {
  readonly scenario: string;
  readonly params: Record<string, number>;
  /** The designs named after `@` (each declared by the scenario), if any. */
  readonly designs?: string[];
}

export function parseCase(text: string): CaseSpec {
  const [spec, designList] = text.split('@');
  const [scenario, rest] = spec.split(':');
  const params: Record<string, number> = {};
  for (const kv of rest ? rest.split(',') : []) {
    const m = /^(\w+)=(\d+)$/.exec(kv);
    if (!m) throw new Error(`bad parameter "${kv}" in case "${text}" (want name=N)`);
    params[m[1]] = Number(m[2]);
  }
  const known = Object.keys(getScenario(scenario).expectations);
  const designs = designList ? designList.split('+') : undefined;
  for (const d of designs ?? []) if (!known.includes(d)) throw new Error(`scenario ${scenario} has no design "${d}"`);
  return { scenario, params, ...(designs ? { designs } : {}) };
}
