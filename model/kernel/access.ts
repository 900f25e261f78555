/**
 * Plain kernel loads and stores through the MMU (READ_ONCE/WRITE_ONCE of a kernel VA), for
 * scenario code: a reader on another CPU, KFENCE touching its object, the zero page read.
 * Locals: `va`, and `what` (how messages name the object).
 */
import { event, kfunc } from './exec.ts';
import { kernelAccess } from './hw.ts';

export const kernel_read = kfunc(
  'kernel_read',
  'include/asm-generic/rwonce.h',
  [
    event('READ_ONCE(*addr)', (k) =>
      kernelAccess(k, k.num('va'), 'read', { what: String(k.local('what') ?? 'memory') }).map((o) => ({ label: o.label, k: o.k.ret() })),
    ),
  ],
  { inline: true },
);

export const kernel_write = kfunc(
  'kernel_write',
  'include/asm-generic/rwonce.h',
  [
    event('WRITE_ONCE(*addr, val)', (k) =>
      kernelAccess(k, k.num('va'), 'write', { what: String(k.local('what') ?? 'memory') }).map((o) => ({ label: o.label, k: o.k.ret() })),
    ),
  ],
  { inline: true },
);

/** copy_to_kernel_nofault(): a write whose fault returns -EFAULT (exception-table fixup) instead of oopsing. */
export const copy_to_kernel_nofault = kfunc('copy_to_kernel_nofault', 'mm/maccess.c', [
  event('__put_kernel_nofault(dst, src, u8, Efault)', (k) =>
    kernelAccess(k, k.num('va'), 'write', { what: String(k.local('what') ?? 'memory'), nofault: true }).map((o) => ({
      label: o.label,
      k: o.k.ret(o.k.local('fault') ? -14 : 0),
    })),
  ),
]);

/** copy_from_kernel_nofault(): a read that returns -EFAULT on a fault. */
export const copy_from_kernel_nofault = kfunc('copy_from_kernel_nofault', 'mm/maccess.c', [
  event('__get_kernel_nofault(dst, src, u8, Efault)', (k) =>
    kernelAccess(k, k.num('va'), 'read', { what: String(k.local('what') ?? 'memory'), nofault: true }).map((o) => ({
      label: o.label,
      k: o.k.ret(o.k.local('fault') ? -14 : 0),
    })),
  ),
]);
