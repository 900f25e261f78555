/**
 * POR_EL1, the Permission Overlay Register, and the kpkeys levels built on it
 * (arch/arm64/include/asm/por.h, the kpkeys series "pkeys-based page table hardening").
 *
 * POR_EL1 holds 8 fields of 4 bits, one per pkey (field i at bit i*4). A leaf descriptor's
 * POIndex (bits 62:60) selects the field that overlays the access.
 */

/** Overlay permission encodings of one POR field (POE_* in asm/por.h). */
export const POE_NONE = 0x0;
export const POE_R = 0x1;
export const POE_X = 0x2;
export const POE_RX = 0x3;
export const POE_W = 0x4;
export const POE_RW = 0x5;
export const POE_WX = 0x6;
export const POE_RWX = 0x7;

export const KPKEYS_PKEY_DEFAULT = 0;
export const KPKEYS_PKEY_PGTABLES = 1;

export type Access = 'read' | 'write' | 'exec';

/** The 4-bit field of `pkey` in a POR value. */
export function por_elx_idx(por: number, pkey: number): number {
  return (por >>> (pkey * 4)) & 0xf;
}

/** `por` with the field of `pkey` replaced (por_set_pkey_perms()). */
export function por_set_pkey_perms(por: number, pkey: number, perms: number): number {
  const shift = pkey * 4;
  return ((por & ~(0xf << shift)) | ((perms & 0xf) << shift)) >>> 0;
}

/** POR_EL1_INIT: pkey DEFAULT RWX, pkey PGTABLES read-only, every other pkey no access. */
export const POR_EL1_INIT = por_set_pkey_perms(por_set_pkey_perms(0, KPKEYS_PKEY_DEFAULT, POE_RWX), KPKEYS_PKEY_PGTABLES, POE_R);

/** Does the overlay of `pkey` in `por` permit `access`? */
export function por_permits(por: number, pkey: number, access: Access): boolean {
  const perms = por_elx_idx(por, pkey);
  switch (access) {
    case 'read':
      return (perms & POE_R) !== 0;
    case 'write':
      return (perms & POE_W) !== 0;
    case 'exec':
      return (perms & POE_X) !== 0;
  }
}

export type KpkeysLevel = 'KPKEYS_LVL_DEFAULT' | 'KPKEYS_LVL_PGTABLES';

/** The POR value `kpkeys_set_level(level)` writes, starting from `por`. */
export function kpkeys_level_por(por: number, level: KpkeysLevel): number {
  return por_set_pkey_perms(por, KPKEYS_PKEY_PGTABLES, level === 'KPKEYS_LVL_PGTABLES' ? POE_RW : POE_R);
}

/** The kpkeys level a POR value is at, for traces: PGTABLES when that pkey is writable. */
export function kpkeysLevelOf(por: number): 'PGTABLES' | 'DEFAULT' {
  return por_permits(por, KPKEYS_PKEY_PGTABLES, 'write') ? 'PGTABLES' : 'DEFAULT';
}

const PERM_NAMES = ['---', 'R', 'X', 'RX', 'W', 'RW', 'WX', 'RWX'];

export function permsName(perms: number): string {
  return PERM_NAMES[perms & 0x7] ?? `0x${perms.toString(16)}`;
}

/** `0x57 (pkey0 RWX, pkey1 RW)`: a POR value as a kernel developer reads it. */
export function formatPor(por: number): string {
  return `0x${por.toString(16).padStart(2, '0')} (${kpkeysLevelOf(por)})`;
}
