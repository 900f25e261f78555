import { describe, expect, it } from 'vitest';
import { runCell } from '../../api/matrix.ts';
import { allScenarios } from '../../model/scenarios/index.ts';
import { designNames } from '../../model/designs.ts';
import { RULES_BY_NAME } from '../../properties/index.ts';

// The matrix's promise: every scenario gives, under every design it declares, the verdict it
// declares (passes explored completely, violations of the declared invariant, in call-trace order).
describe('every scenario under every design it declares gives its expected verdict', () => {
  for (const scenario of allScenarios()) {
    describe(scenario.name, () => {
      it('declares known designs and invariants, and at least one pass and one violation', () => {
        const known = new Set(designNames());
        for (const d of Object.keys(scenario.expectations)) expect(known.has(d), d).toBe(true);
        for (const inv of scenario.invariants) expect(RULES_BY_NAME.has(inv), inv).toBe(true);
        const verdicts = Object.values(scenario.expectations).map((e) => e.verdict);
        expect(verdicts).toContain('pass');
        expect(verdicts).toContain('violation');
        for (const e of Object.values(scenario.expectations)) {
          if (e.verdict === 'violation') expect(scenario.invariants).toContain(e.property);
          expect(e.why.length).toBeGreaterThan(10);
        }
      });
      for (const [design, exp] of Object.entries(scenario.expectations)) {
        it(`${design}: ${exp.verdict}${exp.property ? ` of ${exp.property}` : ''}`, () => {
          const cell = runCell(scenario, design);
          expect({ verdict: cell.verdict, property: cell.property, complete: cell.complete, matches: cell.matches }).toEqual({
            verdict: exp.verdict,
            property: exp.property,
            complete: exp.verdict === 'pass',
            matches: true,
          });
        });
      }
    });
  }
});
