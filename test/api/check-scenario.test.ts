import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../api/check-scenario.ts';
import { resultToJson } from '../../checker/index.ts';
import { reportOf } from '../../api/check-scenario.ts';
import '../../api/matchers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['bin/mmcheck.js', ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('checkScenario() returns what `mmcheck check --json` prints', () => {
  it('for a violation (v6) and a pass (the pause remedy), byte for byte without timing', () => {
    for (const design of ['v6', 'v6-pause-lazy-mmu-in-finish-task-switch']) {
      const run = runScenario('seed-por-reset-lazy-mmu', { design });
      const lib = JSON.stringify(reportOf(run.model, run.result, false), null, 2) + '\n';
      const out = cli(['check', 'seed-por-reset-lazy-mmu', '--design', design, '--json', '--no-timing']);
      expect(out.stdout).toBe(lib);
      expect(out.status).toBe(design === 'v6' ? 1 : 0);
    }
  });

  it('adds message and callTrace to the checker JSON for a violation', () => {
    const r = checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' });
    expect(r.scenario).toBe('seed-por-reset-lazy-mmu');
    expect(r.design).toBe('v6');
    expect(r.knobs).toEqual([]);
    expect(r.message).toBe('Unable to handle kernel write to read-only memory at virtual address ffff00000000b000');
    expect(r.callTrace!.slice(0, 4)).toEqual(['pageattr_pte_entry', 'walk_pgd_range', 'walk_kernel_page_table_range_lockless', 'update_range_prot']);
    expect(r.trace).toHaveLength(18);
    const run = runScenario('seed-por-reset-lazy-mmu', { design: 'v6' });
    const plain = resultToJson(run.result) as Record<string, unknown>;
    for (const key of ['verdict', 'complete', 'property', 'trace', 'bounds']) expect(r[key]).toEqual(plain[key]);
  });

  it('--set and knobs: the report names the overrides', () => {
    const r = checkScenario('seed-por-reset-lazy-mmu', { design: 'v6-no-por-reset', set: ['batching-guard=live-por'] });
    expect(r.design).toBe('v6-no-por-reset+batching-guard=live-por');
    expect(r.knobs).toEqual(['por-reset-on-entry=false', 'batching-guard=live-por']);
    expect(r.property).toBe('lazy-section-restores-por');
  });
});

describe('vitest matchers', () => {
  it('toHoldAllInvariants / toViolate read as the rule', () => {
    expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6-pause-lazy-mmu-in-finish-task-switch' })).toHoldAllInvariants();
    expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' })).toViolate('pgtable-writes-hold-pgtables-overlay');
    expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' })).not.toHoldAllInvariants();
  });

  it('a failing matcher explains what happened instead', () => {
    let message = '';
    try {
      expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' })).toHoldAllInvariants();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('expected every invariant to hold in the whole bounded space, but seed-por-reset-lazy-mmu under v6 violates pgtable-writes-hold-pgtables-overlay after 18 steps');
    expect(message).toContain('call trace: pageattr_pte_entry <- walk_pgd_range');
  });

  it('an incomplete search does not hold all invariants', () => {
    const r = checkScenario('seed-por-reset-lazy-mmu', { design: 'no-batching', maxStates: 10 });
    expect(r.verdict).toBe('incomplete');
    let message = '';
    try {
      expect(r).toHoldAllInvariants();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('incomplete (max-states)');
  });
});

describe('bounds as a group', () => {
  it('bounds.maxStates stops the search like the flat option', () => {
    const grouped = checkScenario('seed-por-reset-lazy-mmu', { design: 'no-batching', bounds: { maxStates: 50 } });
    const flat = checkScenario('seed-por-reset-lazy-mmu', { design: 'no-batching', maxStates: 50 });
    expect([grouped.verdict, grouped.stopReason, grouped.stats.distinctStates]).toEqual(['incomplete', 'max-states', flat.stats.distinctStates]);
    expect(grouped.bounds).toEqual(flat.bounds);
  });
});
