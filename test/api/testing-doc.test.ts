// The examples of docs/testing.md, with an existing remedy design in place of `my-remedy`.
import { describe, expect, it } from 'vitest';
import { checkScenario } from 'mmcheck';
import 'mmcheck/matchers';

const MY_REMEDY = 'v6-pause-lazy-mmu-in-finish-task-switch';

describe('docs/testing.md: my-remedy', () => {
  it('fixes the seed crash', () => {
    expect(checkScenario('seed-por-reset-lazy-mmu', { design: MY_REMEDY })).toHoldAllInvariants();
  });
  it('still takes the guard for page tables freed from interrupt context', () => {
    expect(checkScenario('irq-frees-pgtable', { design: MY_REMEDY })).toHoldAllInvariants();
  });
  it('keeps handlers at POR_EL1_INIT', () => {
    expect(checkScenario('irq-frees-pgtable', { design: MY_REMEDY })).not.toViolate('el1-handlers-run-with-por-init');
  });
  it('the --set spelling of the same design gives the same verdict', () => {
    const r = checkScenario('seed-por-reset-lazy-mmu', { design: 'v6', set: ['pause-lazy-mmu-in-finish-task-switch=true'] });
    expect(r).toHoldAllInvariants();
    expect(r.stats.distinctStates).toBe(checkScenario('seed-por-reset-lazy-mmu', { design: MY_REMEDY }).stats.distinctStates);
  });
});
