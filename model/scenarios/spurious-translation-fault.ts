/**
 * A valid-making store on one CPU races a read on another (arch/arm64/mm/fault.c,
 * is_spurious_el1_translation_fault(); commit 42f91093b043 "arm64: mm: Ignore spurious
 * translation faults taken from the kernel").
 *
 * CPU0 (task W) maps a page with set_memory_valid(addr, 1, 1) (its lazy MMU section ends with
 * dsb(ishst); isb, and invalid -> valid skips the TLBI) and then publishes it to CPU1 with
 * smp_store_release(&ready, 1). CPU1 (task R) waits with smp_load_acquire(&ready) and reads
 * the page. The page-table store is published before the flag, and R saw the flag; yet without
 * FEAT_ETS2 R's translation walk is not ordered after its load of the flag, and may still see
 * the invalid entry: a level 3 translation fault. __do_kernel_fault() asks the MMU again
 * (AT S1E1R, after the exception entry synchronized the context), finds a translation, WARNs
 * "Ignoring spurious kernel translation fault" and returns: the load runs again and succeeds.
 *
 * So the run ends with a WARN, not an oops: kernel-does-not-oops holds under `no-ets2`, and the
 * opt-in rule kernel-does-not-warn shows the schedule (`--invariant kernel-does-not-warn`). With
 * FEAT_ETS2 (v6's default CPU) the walk is ordered after the flag and nothing faults.
 */
import { linearAlias } from '../hardware/geometry.ts';
import { kernel_read } from '../kernel/access.ts';
import { event, kfunc, local } from '../kernel/exec.ts';
import { set_memory_valid } from '../kernel/pageattr.ts';
import { Boot } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

const READY = 'ready';

const publisher = kfunc('map_and_publish', '(scenario: a CPU maps a page, then tells another CPU it may use it)', [
  local('set_memory_valid(addr, 1, 1)', (k) => k.call(set_memory_valid, { start: k.num('addr'), numpages: 1, enable: true })),
  event('smp_store_release(&ready, 1)', (k) => k.update((s) => s.setIn(['flags', READY], true)).next()),
]);

const consumer = kfunc('wait_and_read', '(scenario: a CPU uses the page once it is told it is mapped)', [
  // Not enabled until W's store: the loop's iterations before it change nothing.
  event('while (!smp_load_acquire(&ready)) cpu_relax()', (k) => (k.s.flags.get(READY) === true ? k.next() : [])),
  local('READ_ONCE(*addr)', (k) => k.call(kernel_read, { va: k.num('addr'), what: 'the page just mapped' })),
]);

export const spuriousTranslationFault: Scenario = {
  name: 'spurious-translation-fault',
  summary: "a read racing another CPU's valid-making store takes a spurious translation fault (no FEAT_ETS2): WARN and retry, not an oops",
  invariants: ['no-access-before-pte-barriers', 'kernel-does-not-oops'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['ptdump'],
  expectations: {
    v6: { verdict: 'pass', why: "with FEAT_ETS2 R's walk is ordered after its load of the flag: it sees the valid pte" },
    'no-ets2': {
      verdict: 'pass',
      why: "R's walk may miss the published pte and fault; __do_kernel_fault() finds it spurious (AT S1E1R translates), WARNs and retries",
    },
    'no-ets2-without-spurious-fault-check': {
      verdict: 'violation',
      property: 'kernel-does-not-oops',
      callTrace: ['wait_and_read'],
      why: 'without is_spurious_el1_translation_fault() the same fault is a "paging request" oops on mapped memory',
    },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const page = boot.alloc('page made valid');
    boot.mapLinear({ attrs: (pa) => (pa === page ? { valid: false } : {}) });
    const booted = boot.finish();
    const va = { addr: linearAlias(g, page) };
    return machine(booted, {
      running: [0, 1],
      tasks: [runningTask('W', 10, 0, publisher, va), runningTask('R', 11, 1, consumer, va), idleTask(0), idleTask(1)],
    });
  },
};
