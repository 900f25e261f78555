/**
 * The bounds matter in every scenario: one more CPU (running the scenario's first background)
 * and one IRQ per CPU each change the distinct state count, under the scenario's first passing
 * design. Exact counts: a regression table. The CPU comparison is taken at irqs=0 so that it
 * shows the background CPU itself (and stays quick); the IRQ comparison at cpus=1.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../api/check-scenario.ts';
import { kernelModel } from '../../model/kernel-model.ts';
import { allScenarios, getScenario } from '../../model/scenarios/index.ts';
import { addBackgroundCpus } from '../../model/scenarios/backgrounds.ts';
import { readEntry } from '../../model/hardware/memory.ts';
import { reachable } from './cells.ts';

/** [irqs=0, irqs=1, cpus=2 at irqs=0] distinct states (cpus=1, irqs=0 is the first). */
const COUNTS: Readonly<Record<string, readonly [string, number, number, number]>> = {
  'seed-por-reset-lazy-mmu': ['v6-no-por-reset-atomic-lazy-switch', 5, 119, 55],
  'enter-window-preempt': ['v6-no-por-reset-atomic-lazy-switch', 4, 87, 12],
  'irq-frees-pgtable': ['v5', 9, 217, 126],
  'nested-lazy-save-slot': ['v5-nesting-per-level-slot', 20, 192, 220],
  'deferred-isb-access': ['v6-pause-around-early-access', 14, 132, 210],
  'tlbi-elision': ['v6', 185, 13012, 370],
  'partial-block-overlap': ['v6', 48, 472, 784],
  'cont-pte-by-pte': ['v6', 155, 9628, 310],
  'concurrent-lockless-walks': ['v6', 57, 3268, 903],
  'bbm-block-split': ['v6', 81, 5764, 891],
  'split-in-atomic': ['v6', 27, 627, 437],
  'kfence-softirq': ['v6', 6, 116, 18],
  'data-bss-linear-alias': ['v6', 34, 1944, 68],
  'hibernate-copy': ['v6', 59, 582, 177],
  'spurious-translation-fault': ['v6', 11, 844, 88],
};

const distinct = (scenario: string, design: string, params: { irqs?: number; cpus?: number }) => {
  const { report } = runScenario(scenario, { design, params, shrink: false, reduction: 'none' }); // unreduced counts
  expect(report.verdict).toBe('pass');
  expect(report.complete).toBe(true);
  return report.stats.distinctStates;
};

describe('cpus=2 and irqs=1 change the state space of every scenario', () => {
  it('the table covers every scenario, each with a timer IRQ source and a background', () => {
    expect(Object.keys(COUNTS).sort()).toEqual(allScenarios().map((s) => s.name).sort());
    for (const s of allScenarios()) {
      expect(s.irqSources.map((i) => i.handler)).toContain('arch_timer_handler_phys');
      expect(s.backgrounds.length).toBeGreaterThan(0);
    }
  });
  for (const [name, [design, irqs0, irqs1, cpus2]] of Object.entries(COUNTS)) {
    it(`${name} under ${design}: ${irqs0} states, ${irqs1} with irqs=1, ${cpus2} with cpus=2`, () => {
      expect(getScenario(name).expectations[design].verdict).toBe('pass');
      const got = [distinct(name, design, { irqs: 0, cpus: 1 }), distinct(name, design, { irqs: 1, cpus: 1 }), distinct(name, design, { irqs: 0, cpus: 2 })];
      expect(got).toEqual([irqs0, irqs1, cpus2]);
      expect(irqs1).not.toBe(irqs0);
      expect(cpus2).not.toBe(irqs0);
    });
  }
  it('cpus=2 adds a CPU with its background task and idle task; irqs is a per-CPU bound', () => {
    const m = kernelModel(getScenario('seed-por-reset-lazy-mmu'), { design: 'v6', params: { cpus: 2, irqs: 1 } });
    const [s] = [...m.initialStates()];
    expect(s.cpus.length).toBe(2);
    expect(s.irqs_left.toArray()).toEqual([1, 1]);
    expect(s.tasks[s.cpus[1].curr]!.comm).toBe('cat');
  });
  it('refuses parameters out of range with one line', () => {
    const seed = getScenario('seed-por-reset-lazy-mmu');
    expect(() => kernelModel(seed, { params: { cpus: 5 } })).toThrow(/^cpus must be an integer from 1 to 4, got 5$/);
    expect(() => kernelModel(seed, { params: { irqs: 9 } })).toThrow(/^irqs must be an integer from 0 to 8, got 9$/);
    expect(() => kernelModel(seed, { params: { cpus: 0 } })).toThrow(/^cpus must be an integer from 1 to 4, got 0$/);
  });
});

describe("the 'vmalloc' background: vmalloc() then vfree() on a CPU of its own", () => {
  const scenario = getScenario('irq-frees-pgtable');
  it('irq-frees-pgtable declares it first: with cpus=2, CPU1 maps a page into the last free pte of the vmalloc table and unmaps it', () => {
    const m = kernelModel(scenario, { design: 'v6', params: { cpus: 2, irqs: 0 } });
    const [init] = [...m.initialStates()];
    const bg = init.tasks[init.cpus[1].curr]!;
    expect(bg.comm).toBe('vmalloc');
    const { table, index, page } = bg.stack[0].locals as { table: number; index: number; page: number };
    expect(readEntry(init.memory, table, index)).toBe(null);
    const states = reachable(m);
    expect(states.length).toBe(96);
    // The area is mapped in some states (to the free page), and every run that ends has unmapped it
    // and closed both lazy MMU sections.
    expect(states.some((s) => readEntry(s.memory, table, index)?.out === page)).toBe(true);
    const finals = states.filter((s) => [...m.actions(s)].length === 0);
    expect(finals.length).toBeGreaterThan(0);
    for (const s of finals) {
      expect(readEntry(s.memory, table, index)).toBe(null);
      const t = s.tasks.find((t) => t.comm === 'vmalloc')!;
      expect([t.lazy_mmu_state.enable_count, t.lazy_mmu_state.pause_count]).toEqual([0, 0]);
    }
  });
  it("refuses, in one line, a scenario that maps no pte table at the start of the vmalloc region", () => {
    const m = kernelModel(getScenario('hibernate-copy'), { design: 'v6' });
    const [s] = [...m.initialStates()];
    expect(() => addBackgroundCpus(s, m.env.layout, m.env.geometry, ['vmalloc'], 1)).toThrow(
      /^backgrounds: 'vmalloc' needs the scenario to map the start of the vmalloc region with a pte table$/,
    );
  });
});

describe("a background's page is free memory", () => {
  it("never a page of the scenario's vmalloc area: partial-block-overlap × split-bbml2 with cpus=2 passes, secretmem splitting the same block under pgtable_split_lock", () => {
    const m = kernelModel(getScenario('partial-block-overlap'), { design: 'split-bbml2', params: { cpus: 2, irqs: 0 } });
    const [init] = [...m.initialStates()];
    const bg = init.tasks[init.cpus[1].curr]!;
    expect(bg.comm).toBe('secretmem');
    // Pages 10-13 are the scenario's vmalloc area; 15 is free, in the linear map's last PMD block.
    expect(bg.stack[0].locals.page).toBe(15);
    const { report } = runScenario('partial-block-overlap', { design: 'split-bbml2', params: { cpus: 2, irqs: 0 }, reduction: 'none' });
    expect([report.verdict, report.complete, report.stats.distinctStates]).toEqual(['pass', true, 4235]);
  });
});
