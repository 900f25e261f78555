/** spurious-translation-fault: a read racing another CPU's valid-making store (no FEAT_ETS2) ends in a WARN and a retry, not an oops. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { getScenario } from '../../model/scenarios/index.ts';
import { expectCells, finalStates, reachable, type Cell } from './cells.ts';

const CELLS: Record<string, Cell> = {
  v6: ['pass', undefined, undefined, 11],
  'no-ets2': ['pass', undefined, undefined, 14],
  'no-ets2-without-spurious-fault-check': ['violation', 'kernel-does-not-oops', 10, 12],
};

expectCells('spurious-translation-fault', CELLS, { invariants: ['no-access-before-pte-barriers', 'kernel-does-not-oops'] });

const WARNING = 'Ignoring spurious kernel translation fault at virtual address ffff000000001000';

describe('the spurious fault is recovered, not an oops', () => {
  it('no-ets2: some run takes the fault, WARNs and retries; every run ends with R done, no oops', () => {
    const m = kernelModel(getScenario('spurious-translation-fault'), { design: 'no-ets2' });
    const ends = finalStates(m);
    expect(ends.every((s) => s.oops === null && s.tasks[1].stack.length === 0)).toBe(true);
    expect(ends.map((s) => s.warnings.map((w) => `${w.kind} CPU${w.cpu} ${w.task}: ${w.message}`).toArray()).sort()).toEqual([[], [`WARN CPU1 R: ${WARNING}`]]);
  });

  it('the opt-in kernel-does-not-warn shows the schedule: R sees the flag, its walk misses the pte, the kernel WARNs', () => {
    const { report } = runScenario('spurious-translation-fault', { design: 'no-ets2', invariants: ['kernel-does-not-warn'] });
    expect([report.verdict, report.property, report.outcome, report.message]).toEqual(['violation', 'kernel-does-not-warn', 'warn', WARNING]);
    expect(report.warnings).toEqual([`WARNING on CPU1 (R): ${WARNING}`]);
    expect(report.trace!.slice(-3).map((t) => t.action)).toEqual([
      'CPU0 W: map_and_publish: smp_store_release(&ready, 1)',
      'CPU1 R: wait_and_read: while (!smp_load_acquire(&ready)) cpu_relax()',
      'CPU1 R: kernel_read: READ_ONCE(*addr) [walker misses the published entry (no FEAT_ETS2): fault]',
    ]);
  });

  it('after the WARN, kernel_exit returns to the load, which runs again and succeeds', () => {
    const m = kernelModel(getScenario('spurious-translation-fault'), { design: 'no-ets2' });
    // __do_kernel_fault() has returned; the exception frame waits for its eret.
    const warned = reachable(m).find((s) => s.warnings.size > 0 && s.tasks[1].stack.at(-1)?.fn === 'el1h_64_sync')!;
    expect(warned.tasks[1].stack.map((f) => f.fn)).toEqual(['wait_and_read', 'kernel_read', 'el1h_64_sync']);
    const actions = (s: typeof warned) => [...m.actions(s)];
    expect(actions(warned).map((a) => a.label)).toEqual(['CPU1 R: el1h_64_sync: kernel_exit 1: eret (the faulting instruction runs again)']);
    const back = m.nextState(warned, actions(warned)[0])!;
    expect(actions(back).map((a) => a.label)).toEqual(['CPU1 R: kernel_read: READ_ONCE(*addr)']);
    const done = m.nextState(back, actions(back)[0])!;
    expect([done.oops, done.tasks[1].stack.length]).toEqual([null, 0]);
  });

  it('v6 (FEAT_ETS2): nothing faults and nothing is printed', () => {
    const { report } = runScenario('spurious-translation-fault', { design: 'v6', invariants: ['kernel-does-not-warn'] });
    expect([report.verdict, report.stats.distinctStates]).toEqual(['pass', 11]);
  });

  it('without is_spurious_el1_translation_fault() the same fault oopses ("paging request" on mapped memory)', () => {
    const { report } = runScenario('spurious-translation-fault', { design: 'no-ets2-without-spurious-fault-check' });
    expect([report.outcome, report.message]).toEqual(['oops', 'Unable to handle kernel paging request at virtual address ffff000000001000']);
  });
});
