/**
 * Seed 001, readers of the kernel image's linear alias: the zero page through
 * page_address(ZERO_PAGE(0)) and the page-table dump of swapper_pg_dir. Verdicts per design,
 * regression numbers (BFS), and non-vacuity of both parts of rule 14.
 */
import { expectCells, type Cell } from './cells.ts';
import { describe, expect, it } from 'vitest';
import { buildScenarioModel, runScenario } from '../../api/check-scenario.ts';
import { kernelFacts } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';
import { RULES_BY_NAME, type AccessEvent } from '../../properties/index.ts';

const SCENARIO = 'data-bss-linear-alias';
const RULE = 'linear-alias-protected';
const rule14 = RULES_BY_NAME.get(RULE)!;


function lastState(design: string, invariants?: readonly string[]): KernelState {
  const { result } = runScenario(SCENARIO, { design, ...(invariants ? { invariants } : {}) });
  const path = result.path!;
  return path.steps.length ? path.steps[path.steps.length - 1].state : path.initial;
}

/** [verdict, property, trace length, distinct states, generated states] under BFS. */
const EXPECTED: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 34, 50],
  'unmap-data-bss': ['pass', undefined, undefined, 34, 50],
  'unmap-data-bss-zero-page-in-bss': ['violation', 'linear-alias-protected', 1, 2, 3],
  'unmap-data-bss-fixmap-tables-in-bss': ['violation', 'linear-alias-protected', 14, 29, 42],
  'unmap-data-bss-zero-page-beside-fixmap': ['pass', undefined, undefined, 34, 50],
  'unmap-kernel-image-alias': ['violation', 'linear-alias-protected', 1, 3, 3],
  'unmap-kernel-image-alias-zero-page-in-rodata': ['violation', 'linear-alias-protected', 1, 2, 3],
  'unmap-kernel-image-alias-fixed': ['pass', undefined, undefined, 34, 50],
  'data-bss-ro': ['pass', undefined, undefined, 34, 50],
  'rodata-alias-writable': ['violation', 'linear-alias-protected', 0, 1, 1],
};

expectCells(SCENARIO, EXPECTED, { invariants: [RULE] });

describe('what the counterexamples say', () => {
  it('the acceptance pair: unmap-data-bss passes (zero page with rodata); --set zero-page=data-bss fails on rule 14', () => {
    const posted = runScenario(SCENARIO, { design: 'unmap-data-bss' }).report;
    expect([posted.verdict, posted.complete]).toEqual(['pass', true]);
    const bss = runScenario(SCENARIO, { design: 'unmap-data-bss', set: ['zero-page=data-bss'] }).report;
    expect([bss.verdict, bss.property, bss.callTrace]).toEqual(['violation', RULE, ['chacha20poly1305_encrypt']]);
  });

  it('unmap-data-bss-fixmap-tables-in-bss: the dump reaches bm_pXd through __va() and faults, even reading swapper_pg_dir through init_mm.pgd', () => {
    const s = lastState('unmap-data-bss-fixmap-tables-in-bss');
    expect(s.violations.get(RULE)!.message).toMatch(/^CPU1 \(cat\) accessed bm_pXd \(\.bss\): fixmap .* through its unmapped linear alias$/);
    expect(s.violations.get(RULE)!.callTrace.toArray()).toEqual(['walk_page_range_debug', 'ptdump_walk_pgd', 'ptdump_show']);
  });

  it('unmap-data-bss-zero-page-in-bss: the zero page in .bss is read through its unmapped alias, and the kernel oopses there', () => {
    const s = lastState('unmap-data-bss-zero-page-in-bss');
    const v = s.violations.get(RULE)!;
    expect(v.message).toBe('CPU0 (kworker/0:1) accessed the zero page through its unmapped linear alias');
    expect(v.callTrace.toArray()).toEqual(['chacha20poly1305_encrypt']);
    expect(s.oops!.message).toBe('Unable to handle kernel paging request at virtual address ffff000000007000');
    expect(s.oops!.details.toArray()).toContain('  FSC = 0x07: level 3 translation fault');
  });

  it('unmap-kernel-image-alias: the dump faults on its first load, swapper_pg_dir through its linear alias', () => {
    const { report } = runScenario(SCENARIO, { design: 'unmap-kernel-image-alias', reduction: 'none' }); // the shortest schedule
    expect(report.trace!.map((t) => t.action)).toEqual([
      'CPU1 cat: walk_page_range_debug: ptdump_pXd_entry(): val = READ_ONCE(*pXd) for each entry; descend through pXd_offset() = __va(pXd_page_paddr(*pXd))',
    ]);
    const v = lastState('unmap-kernel-image-alias').violations.get(RULE)!;
    expect(v.message).toBe('CPU1 (cat) accessed swapper_pg_dir through its unmapped linear alias');
    expect(report.message).toBe('Unable to handle kernel paging request at virtual address ffff000000000000');
  });

  it('the dump reads all 16 table pages (swapper_pg_dir, linear map, kernel image, fixmap_pgdir) when nothing faults', () => {
    const m = buildScenarioModel(SCENARIO, { design: 'unmap-kernel-image-alias-fixed' });
    // CPU1 alone: follow its steps to the end.
    let s = [...m.initialStates()][0];
    let reads = 0;
    for (;;) {
      const a = [...m.actions(s)].find((x) => x.cpu === 1);
      if (!a) break;
      if (a.label.includes('ptdump_pXd_entry')) reads++;
      s = m.nextState(s, a)!;
    }
    expect(reads).toBe(16);
    expect(s.oops).toBeNull();
  });
});

describe('rule 14 is not vacuous', () => {
  it('state part: the text/rodata alias is writable under rodata-alias-writable, read-only (or unmapped) otherwise', () => {
    const facts = (design: string) => {
      const m = buildScenarioModel(SCENARIO, { design });
      return kernelFacts([...m.initialStates()][0], m.env);
    };
    const writable = facts('rodata-alias-writable');
    // swapper_pg_dir, text, rodata and the zero page (with rodata)
    expect(writable.textAliases.map((t) => t.writable)).toEqual([true, true, true, true]);
    expect(rule14.holds!(writable)).toBe(false);
    for (const d of ['v6', 'unmap-kernel-image-alias-fixed']) {
      expect(facts(d).textAliases.map((t) => t.writable)).toEqual(d === 'v6' ? [false, false, false, false] : [false, false, false]);
      expect(rule14.holds!(facts(d))).toBe(true);
    }
  });

  it('state part: without rule 14 the writable alias goes unnoticed (nothing faults)', () => {
    const { report } = runScenario(SCENARIO, { design: 'rodata-alias-writable', invariants: [], reduction: 'none' }); // every interleaving
    expect([report.verdict, report.complete, report.stats.distinctStates]).toEqual(['pass', true, 34]);
  });

  it('event part: an access through an unmapped alias is reported, a mapped one is not', () => {
    const base: AccessEvent = {
      kind: 'access',
      cpu: 0,
      task: 'kworker/0:1',
      callTrace: ['chacha20poly1305_encrypt'],
      va: 8,
      access: 'read',
      what: 'the zero page',
      outcome: 'translation-fault',
      viaTlb: false,
      latestAllows: false,
      mappingUnpublished: false,
      changeReturned: false,
      unmappedAlias: true,
    };
    expect(rule14.check!(base)).toBe('CPU0 (kworker/0:1) accessed the zero page through its unmapped linear alias');
    expect(rule14.check!({ ...base, unmappedAlias: false, outcome: 'ok', latestAllows: true })).toBeUndefined();
  });

  it('event part: it names the unmapped alias before the catch-all oops does', () => {
    const { report } = runScenario(SCENARIO, { design: 'unmap-data-bss-zero-page-in-bss', invariants: [], reduction: 'none' }); // the shortest schedule
    expect([report.verdict, report.property, report.trace?.length]).toEqual(['violation', 'kernel-does-not-oops', 1]);
  });
});
