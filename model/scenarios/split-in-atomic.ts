/**
 * Seed 002 and Yang Shi's linear-map splitting: "CONFIG_DEBUG_PAGEALLOC and CONFIG_KFENCE may
 * change permissions from atomic context so for those cases (which are always pte-mapped), we
 * must not go any further because taking the mutex below may sleep" (split_kernel_leaf_mapping();
 * docs/background.md: split in atomic context; invariant 12).
 *
 * Task A on CPU0 makes half of a PMD block read-only with set_memory_ro(): on a BBML2 system
 * with a block-mapped linear map that splits the block first (A takes pgtable_split_lock,
 * allocates a pte table, all in task context: fine). A network IRQ may arrive anywhere in A's
 * work; it raises NET_RX_SOFTIRQ, and on the IRQ exit path net_rx_action() allocates an skb
 * from KFENCE, which unprotects the object's page: set_memory_valid(addr, 1, 1) ->
 * update_range_prot() -> split_kernel_leaf_mapping(), in softirq context, possibly while A,
 * interrupted, holds pgtable_split_lock (in the kernel: a deadlock on top of the BUG).
 *
 * The KFENCE pool is mapped with ptes (arm64_kfence_map_pool(): NO_BLOCK_MAPPINGS |
 * NO_CONT_MAPPINGS) even when the rest of the linear map uses blocks, so no split is ever
 * needed for it; what matters is whether split_kernel_leaf_mapping() gets as far as
 * mutex_lock(&pgtable_split_lock), whose might_sleep() is "BUG: sleeping function called from
 * invalid context" in softirq. It does on a BBML2 system with a block-mapped linear map unless
 * it returns early for KFENCE addresses.
 */
import { Map as IMap } from 'immutable';
import { linearAlias, pagesPerEntry } from '../hardware/geometry.ts';
import { set_memory_ro } from '../kernel/pageattr.ts';
import { FREE_PGTABLE_PAGE } from '../kernel/state.ts';
import { kfencePoolVas } from '../kernel/kfence.ts';
import { Boot, vmallocArea } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { call, idleTask, machine, program, runningTask } from './tasks.ts';

const SPLIT_TRACE = ['mutex_lock', 'split_kernel_leaf_mapping', 'update_range_prot', 'set_memory_valid', 'kfence_unprotect', 'kfence_guarded_alloc', 'net_rx_action', '__do_softirq'];

const work = program('make_range_ro', '(scenario: a task-context set_memory_ro() on half of a PMD block)', [
  call('set_memory_ro(addr, 2)', set_memory_ro, (k) => ({ start: k.num('addr'), numpages: 2 })),
]);

export const splitInAtomic: Scenario = {
  name: 'split-in-atomic',
  summary: "KFENCE's set_memory_valid() from softirq reaching split_kernel_leaf_mapping()'s mutex",
  seed: 'permission-change-on-block-mappings.txt',
  invariants: ['atomic-context-never-sleeps', 'no-access-before-pte-barriers', 'pgtable-writes-hold-pgtables-overlay', 'break-before-make'],
  params: { irqs: 1, fanout: 4, cpus: 1 },
  irqSources: [{ name: 'eth0', handler: 'stmmac_interrupt' }, TIMER_TICK],
  backgrounds: ['set-direct-map', 'idle'],
  expectations: {
    v6: { verdict: 'pass', why: 'no BBML2 and a PTE-only linear map: split_kernel_leaf_mapping() returns before the mutex, in task and softirq context alike' },
    'split-bbml2': {
      verdict: 'pass',
      why: "A's split takes the mutex and allocates in task context; the softirq's returns early for the KFENCE address, whose pool is always pte-mapped",
    },
    'pte-linear-map-without-kfence-early-return': {
      verdict: 'pass',
      why: 'without the KFENCE test, force_pte_mapping() still returns before the mutex: the whole linear map is pte-mapped',
    },
    'split-without-kfence-early-return': {
      verdict: 'violation',
      property: 'atomic-context-never-sleeps',
      callTrace: SPLIT_TRACE,
      why: 'on a BBML2 system with a block-mapped linear map the softirq reaches mutex_lock(&pgtable_split_lock): sleeping in atomic context',
    },
  },
  build({ knobs, geometry }) {
    const g = geometry;
    const per = pagesPerEntry(g, 2);
    const boot = new Boot(g, 4 * per);
    const object = boot.alloc('KFENCE object page (freed: protected)');
    // The KFENCE pool is pte-mapped; the last two PMDs are blocks when the linear map has blocks.
    // A vmalloc area over the first two pages of the last PMD block: set_memory_ro() updates their linear alias (rodata_full).
    const addr = vmallocArea(boot, [3 * per, 3 * per + 1]);
    boot.mapLinear({
      blocks: (pa) => knobs.linearMap === 'blocks' && pa >= 3 * per,
      attrs: (pa) => (pa === object ? { valid: false } : {}),
    });
    const spare = boot.table('spare page-table page (split_pgtable_alloc)');
    const kfence = linearAlias(g, object);
    const booted = boot.finish({ vas: kfencePoolVas(kfence) });
    return machine(booted, {
      running: [0],
      tasks: [runningTask('A', 1, 0, work, { addr }), idleTask(0)],
      flags: IMap({ [FREE_PGTABLE_PAGE]: spare }),
    });
  },
};
