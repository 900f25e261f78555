/**
 * Seed 002: walk_kernel_page_table_range_lockless() "should be guaranteed that the caller has
 * exclusive access over the range they are operating on" (docs/background.md: concurrent lockless
 * walks on one range: lost update; invariant 11).
 *
 * Two CPUs change the permissions of the same page: CPU0 (task P0) makes it read-only with
 * set_memory_ro(), CPU1 (task P1) makes it executable with set_memory_x(). Each pte update is
 * a read (__ptep_get) and a later store (__set_pte) of a value computed from it: if both walks
 * read the old pte, the second store wipes out the first change (the page ends RW+X or RO+NX).
 *
 * - Exclusive ownership (v6): the owner of the range serialises its own changes, here with a
 *   mutex held around each set_memory_*() call (text_mutex stands for whatever lock the owner
 *   uses; the kernel's own callers serialise the same way or own disjoint ranges). The walks
 *   never overlap and the page ends RO+X.
 * - Shared ownership: no lock; the second walk starts while the first is in progress.
 *
 * Invariant 11 is checked when a walk starts (the overlap itself) and when a change returns
 * (a bit set by a returned change, that no other change touches, missing from the page: the
 * lost update itself).
 */
import { pagesPerEntry } from '../hardware/geometry.ts';
import { kfunc, local, type KFunction } from '../kernel/exec.ts';
import { mutex_lock, mutex_unlock } from '../kernel/mutex.ts';
import { set_memory_ro, set_memory_x } from '../kernel/pageattr.ts';
import { Boot, vmallocArea } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

const OWNER_LOCK = 'text_mutex';

/** A caller of `fn(addr, 1)`, which takes the owner's lock around it when the design says callers own their ranges. */
function caller(name: string, line: string, fn: KFunction): KFunction {
  const exclusive = (k: { knobs: { walkOwnership: string } }) => k.knobs.walkOwnership === 'exclusive';
  return kfunc(name, '(scenario: a caller changing the permissions of a page it shares)', [
    local(`mutex_lock(&${OWNER_LOCK})`, (k) => (exclusive(k) ? k.call(mutex_lock, { lock: OWNER_LOCK }) : k.next())),
    local(line, (k) => k.call(fn, { start: k.num('addr'), numpages: 1 })),
    local(`mutex_unlock(&${OWNER_LOCK})`, (k) => (exclusive(k) ? k.call(mutex_unlock, { lock: OWNER_LOCK }) : k.next())),
  ]);
}

const makeReadOnly = caller('make_page_ro', 'set_memory_ro(addr, 1)', set_memory_ro);
const makeExecutable = caller('make_page_x', 'set_memory_x(addr, 1)', set_memory_x);

export const concurrentLocklessWalks: Scenario = {
  name: 'concurrent-lockless-walks',
  summary: 'set_memory_ro() and set_memory_x() on one page from two CPUs: serialised by the owner, or racing read-modify-writes',
  seed: 'permission-change-on-block-mappings.txt',
  invariants: ['no-concurrent-lockless-walks'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['set-direct-map'],
  expectations: {
    v6: { verdict: 'pass', why: 'the owner serialises its changes (a mutex around each call): the walks never overlap and the page ends read-only and executable' },
    'concurrent-walks-shared-range': {
      verdict: 'violation',
      property: 'no-concurrent-lockless-walks',
      callTrace: ['walk_kernel_page_table_range_lockless', 'update_range_prot'],
      why: 'nothing serialises the two callers: the second lockless walk of the page starts while the first is in progress, and one read-modify-write can undo the other',
    },
  },
  build({ geometry }) {
    const g = geometry;
    const per = pagesPerEntry(g, 2);
    const boot = new Boot(g, 4 * per);
    const page = 3 * per;
    // A page of module memory (a vmalloc area): set_memory_*() refuse linear-map addresses.
    const va = { addr: vmallocArea(boot, [page]) };
    boot.mapLinear();
    const booted = boot.finish();
    return machine(booted, {
      running: [0, 1],
      tasks: [runningTask('P0', 10, 0, makeReadOnly, va), runningTask('P1', 11, 1, makeExecutable, va), idleTask(0), idleTask(1)],
    });
  },
};
