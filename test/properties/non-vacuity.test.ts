/**
 * No vacuous rule: for every rule of properties/rules.ts, a design known to be bad violates it
 * (and is reported under that rule), and a good design of the same scenario does not.
 */
import { describe, expect, it } from 'vitest';
import { checkScenario, type ScenarioCheckOptions } from '../../api/check-scenario.ts';
import { RULES } from '../../properties/index.ts';

interface Witness {
  readonly scenario: string;
  readonly bad: ScenarioCheckOptions;
  readonly good: ScenarioCheckOptions;
  /** The bad design's violation, in the rule's words (a substring of the report's detail or message). */
  readonly message: string;
}

const only = (rule: string) => ({ invariants: [rule] });

const WITNESSES: Record<string, Witness> = {
  'pgtable-writes-hold-pgtables-overlay': {
    scenario: 'seed-por-reset-lazy-mmu',
    bad: { design: 'v6' },
    good: { design: 'v6-pause-lazy-mmu-in-finish-task-switch' },
    message: 'Unable to handle kernel write to read-only memory',
  },
  'lazy-mmu-active-implies-pgtables-level': {
    scenario: 'enter-window-preempt',
    bad: { design: 'v6', ...only('lazy-mmu-active-implies-pgtables-level') },
    good: { design: 'v6-no-por-reset-atomic-lazy-switch', ...only('lazy-mmu-active-implies-pgtables-level') },
    message: '',
  },
  'el1-handlers-run-with-por-init': {
    scenario: 'irq-frees-pgtable',
    bad: { design: 'v6-no-por-reset' },
    good: { design: 'v6' },
    message: 'IRQ handler on CPU0 entered with POR_EL1 = 0x57 (pkey1 RW), not POR_EL1_INIT',
  },
  'lazy-section-restores-por': {
    scenario: 'nested-lazy-save-slot',
    bad: { design: 'v5-nesting' },
    good: { design: 'v5-nesting-per-level-slot' },
    message: 'A left its lazy MMU section on CPU0 with POR_EL1 = 0x57 (pkey1 RW), entered with 0x17 (pkey1 R)',
  },
  'lazy-mmu-calls-balanced': {
    scenario: 'irq-frees-pgtable',
    bad: { design: 'lazy-mmu-disable-without-bailout' },
    good: { design: 'v6' },
    message: 'enable_count of A would go below zero',
  },
  'no-access-before-pte-barriers': {
    scenario: 'deferred-isb-access',
    bad: { design: 'v6' },
    good: { design: 'v6-pause-around-early-access' },
    message: 'accessed the page just mapped before the barriers for its new mapping were emitted',
  },
  'break-before-make': {
    scenario: 'bbm-block-split',
    bad: { design: 'split-in-place-without-bbml2' },
    good: { design: 'split-bbml2' },
    message: 'without break-before-make',
  },
  'no-stale-tlb-after-permission-change': {
    scenario: 'tlbi-elision',
    bad: { design: 'tlbi-elision-rw-to-ro' },
    good: { design: 'v6' },
    message: 'through a stale TLB entry after the permission change returned',
  },
  'cont-run-decodes-old-or-new': {
    scenario: 'cont-pte-by-pte',
    bad: { design: 'cont-invalid-then-new' },
    good: { design: 'v6' },
    message: 'took a translation fault',
  },
  'permission-change-stays-in-range': {
    scenario: 'partial-block-overlap',
    bad: { design: 'walker-without-overlap-check', ...only('permission-change-stays-in-range') },
    good: { design: 'linear-map-blocks', ...only('permission-change-stays-in-range') },
    message: 'rewrote a level 2 entry',
  },
  'no-concurrent-lockless-walks': {
    scenario: 'concurrent-lockless-walks',
    bad: { design: 'concurrent-walks-shared-range' },
    good: { design: 'v6' },
    message: 'started a lockless walk',
  },
  'atomic-context-never-sleeps': {
    scenario: 'split-in-atomic',
    bad: { design: 'split-without-kfence-early-return' },
    good: { design: 'split-bbml2' },
    message: 'BUG: sleeping function called from invalid context',
  },
  'pgtable-pages-carry-pgtables-pkey': {
    scenario: 'irq-frees-pgtable',
    bad: { design: 'pgtable-free-keeps-pkey' },
    good: { design: 'v6' },
    message: '',
  },
  'linear-alias-protected': {
    scenario: 'data-bss-linear-alias',
    bad: { design: 'unmap-data-bss-zero-page-in-bss' },
    good: { design: 'unmap-data-bss-zero-page-beside-fixmap' },
    message: 'through its unmapped linear alias',
  },
  'set-memory-return-means-done': {
    scenario: 'hibernate-copy',
    bad: { design: 'data-bss-block', ...only('set-memory-return-means-done') },
    good: { design: 'data-bss-block-present-invalid', ...only('set-memory-return-means-done') },
    message: 'set_memory_valid([4, 8)) returned 0 on CPU0 (init), but page 4 does not have PTE_VALID set',
  },
  'hibernation-image-complete': {
    scenario: 'hibernate-copy',
    bad: { design: 'hibernate-relies-on-safe-copy-page', ...only('hibernation-image-complete') },
    good: { design: 'v6', ...only('hibernation-image-complete') },
    message: '',
  },
  'no-recursive-locking': {
    scenario: 'bbm-block-split',
    bad: { design: 'split-noblock-pgtable-alloc' },
    good: { design: 'split-bbml2' },
    message: 'W on CPU0 takes pgtable_split_lock, which it already holds: it waits for itself forever',
  },
  'kernel-does-not-warn': {
    scenario: 'spurious-translation-fault',
    bad: { design: 'no-ets2', ...only('kernel-does-not-warn') },
    good: { design: 'v6', ...only('kernel-does-not-warn') },
    message: 'Ignoring spurious kernel translation fault at virtual address ffff000000001000',
  },
  'kernel-does-not-oops': {
    scenario: 'deferred-isb-access',
    bad: { design: 'v6', ...only('kernel-does-not-oops') },
    good: { design: 'v6-pause-around-early-access', ...only('kernel-does-not-oops') },
    message: 'Unable to handle kernel paging request',
  },
};

describe('every rule is violated by a known-bad design (no vacuous invariant)', () => {
  it('every rule has a witness', () => {
    expect(Object.keys(WITNESSES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });
  for (const rule of RULES) {
    const w = WITNESSES[rule.name];
    if (!w) continue;
    it(`${rule.number ? `(${rule.number}) ` : ''}${rule.name}: ${w.scenario} under ${w.bad.design} violates it; under ${w.good.design} it holds`, () => {
      const bad = checkScenario(w.scenario, w.bad);
      expect([bad.verdict, bad.property]).toEqual(['violation', rule.name]);
      expect(`${bad.detail ?? ''} ${bad.message ?? ''}`).toContain(w.message);
      const good = checkScenario(w.scenario, w.good);
      expect(good.verdict).toBe('pass');
      expect(good.complete).toBe(true);
    });
  }
});
