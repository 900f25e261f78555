/**
 * Seed 002: "If the memory is being made valid without changing any other bits then a TLBI
 * isn't required as a non-valid entry cannot be cached in the TLB" (__change_memory_common).
 *
 * CPU0 (task W) makes a page valid with set_memory_valid() and another read-only with
 * set_memory_ro(). CPU1 (task P) probes both with copy_*_kernel_nofault(), before, during or
 * after the changes. The kernel's elision (invalid -> valid only) passes: an invalid entry is
 * never cached, so P sees the new mapping once W returns. A design that also skips the TLBI
 * for RW -> RO lets P write through its stale writable TLB entry after set_memory_ro()
 * returned.
 */
import { linearAlias } from '../hardware/geometry.ts';
import { copy_from_kernel_nofault, copy_to_kernel_nofault } from '../kernel/access.ts';
import { set_memory_ro, set_memory_valid } from '../kernel/pageattr.ts';
import { Boot, vmallocArea } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { call, idleTask, machine, program, runningTask } from './tasks.ts';

const writer = program('module_set_protections', 'kernel/module/strict_rwx.c', [
  call('set_memory_valid(hidden, 1, 1)', set_memory_valid, (k) => ({ start: k.num('hidden'), numpages: 1, enable: true })),
  call('set_memory_ro(module_rodata, 1)', set_memory_ro, (k) => ({ start: k.num('module_rodata'), numpages: 1 })),
]);

const prober = program('probe_kernel_memory', 'mm/maccess.c', [
  call('copy_to_kernel_nofault(rodata, &v, 1)', copy_to_kernel_nofault, (k) => ({ va: k.num('rodata'), what: 'the page made read-only' })),
  call('copy_to_kernel_nofault(rodata, &v, 1)', copy_to_kernel_nofault, (k) => ({ va: k.num('rodata'), what: 'the page made read-only' })),
  call('copy_from_kernel_nofault(&v, hidden, 1)', copy_from_kernel_nofault, (k) => ({ va: k.num('hidden'), what: 'the page made valid' })),
]);

export const tlbiElision: Scenario = {
  name: 'tlbi-elision',
  summary: 'set_memory_valid() skips the TLBI (fine); a design that also skips it for set_memory_ro() leaves a writable TLB entry',
  seed: 'permission-change-on-block-mappings.txt',
  invariants: ['no-stale-tlb-after-permission-change', 'no-access-before-pte-barriers'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['kernel-page-present'],
  expectations: {
    v6: { verdict: 'pass', why: 'only invalid -> valid skips the TLBI; an invalid entry is never cached' },
    'tlbi-elision-rw-to-ro': {
      verdict: 'violation',
      property: 'no-stale-tlb-after-permission-change',
      why: "CPU1's TLB still holds the writable entry after set_memory_ro() returned without a TLBI",
    },
  },
  build({ geometry }) {
    const g = geometry;
    const boot = new Boot(g, 16);
    const rodata = boot.alloc('module rodata');
    const hidden = boot.alloc('page made valid');
    boot.mapLinear({ attrs: (pa) => (pa === hidden ? { valid: false } : {}) });
    // The module's rodata is a vmalloc area; with rodata_full set_memory_ro() also makes its linear alias read-only.
    const va = { rodata: linearAlias(g, rodata), hidden: linearAlias(g, hidden), module_rodata: vmallocArea(boot, [rodata]) };
    const booted = boot.finish();
    return machine(booted, {
      running: [0, 1],
      tasks: [runningTask('W', 10, 0, writer, va), runningTask('P', 11, 1, prober, va), idleTask(0), idleTask(1)],
    });
  },
};
