/** TLB evictions are environment steps without recorded footprints: with `evictions > 0` the kernel model offers no partial-order reduction. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';

describe('partial-order reduction and TLB evictions', () => {
  it('evictions=0 (default): por is on under reduction all', () => {
    const { report } = runScenario('tlbi-elision', { design: 'v6', shrink: false, reduction: 'all' });
    expect(report.stats.reduction).toMatchObject({ requested: 'all', por: true });
  });
  it('evictions=1: por is off, and the counts are the unreduced ones', () => {
    const reduced = runScenario('tlbi-elision', { design: 'v6', params: { evictions: 1 }, shrink: false, reduction: 'all' }).report;
    const none = runScenario('tlbi-elision', { design: 'v6', params: { evictions: 1 }, shrink: false, reduction: 'none' }).report;
    expect(reduced.stats.reduction).toMatchObject({ requested: 'all', por: false });
    expect([reduced.verdict, reduced.stats.distinctStates]).toEqual(['pass', 1696]);
    expect(none.stats.distinctStates).toBe(1696);
  });
});
