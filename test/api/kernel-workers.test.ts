/**
 * Kernel scenarios on worker threads: a worker rebuilds the model from its workerSource
 * (scenario, design name or design file, --set, --param) and states cross threads through the
 * kernel's Record codec. Counts, verdict and counterexample are those of one thread.
 */
import { describe, expect, it } from 'vitest';
import { checkScenario, type ScenarioCheckOptions } from '../../api/check-scenario.ts';
import { getDesign } from '../../model/designs.ts';
import { mmcheck } from '../helpers/run-cli.ts';

const cases: [string, ScenarioCheckOptions][] = [
  ['seed-por-reset-lazy-mmu', { design: 'v6' }],
  ['seed-por-reset-lazy-mmu', { design: 'v6-pause-lazy-mmu-in-finish-task-switch', params: { irqs: 2 } }],
  ['tlbi-elision', { design: 'v6', set: ['tlbi-elision=also-rw-to-ro'] }],
];

describe('kernel scenarios give the same report on two worker threads as on one', () => {
  for (const [scenario, o] of cases) {
    it(`${scenario} under ${o.design}${o.set ? ` with ${o.set.join(' ')}` : ''}${o.params ? ` ${JSON.stringify(o.params)}` : ''}`, () => {
      const strip = (r: ReturnType<typeof checkScenario>) => {
        const { seconds: _s, statesPerSecond: _p, bytesPerState: _b, ...stats } = r.stats as unknown as Record<string, unknown>;
        return { ...r, stats };
      };
      const one = strip(checkScenario(scenario, { ...o, reduction: 'none' }));
      const two = strip(checkScenario(scenario, { ...o, reduction: 'none', workers: 2 }));
      expect(two).toEqual(one);
    });
  }

  it('on the command line too: --design NAME resolves to the registered design, which a worker rebuilds by name', async () => {
    const args = ['check', 'seed-por-reset-lazy-mmu', '--design', 'v6', '--param', 'cpus=2', '--param', 'irqs=1', '--reduction', 'none', '--json', '--no-timing'];
    const one = await mmcheck(...args);
    const two = await mmcheck(...args, '--workers', '2');
    expect([one.status, two.status], two.stderr).toEqual([1, 1]);
    expect(two.stdout).toBe(one.stdout);
    const j = JSON.parse(two.stdout);
    expect([j.verdict, j.property, j.stats.distinctStates, j.stats.generatedStates, j.trace.length]).toEqual(['violation', 'pgtable-writes-hold-pgtables-overlay', 9592, 20750, j.originalLength === undefined ? j.trace.length : j.trace.length]);
  });

  it('a design object made in code has no file a worker could load: refused in one line', () => {
    const inline = { name: 'inline', description: 'made in code', knobs: getDesign('v6').knobs };
    expect(() => checkScenario('seed-por-reset-lazy-mmu', { design: inline, workers: 2 })).toThrow(/workerSource/);
  });
});
