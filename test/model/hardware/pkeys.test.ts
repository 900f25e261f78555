/** POR_EL1 encoding (arch/arm64/include/asm/por.h) and the kpkeys levels built on it. */
import { describe, expect, it } from 'vitest';
import {
  formatPor,
  KPKEYS_PKEY_DEFAULT,
  KPKEYS_PKEY_PGTABLES,
  kpkeys_level_por,
  kpkeysLevelOf,
  permsName,
  POE_NONE,
  POE_R,
  POE_RW,
  POE_RWX,
  POE_RX,
  POE_W,
  POE_WX,
  POE_X,
  por_elx_idx,
  por_permits,
  por_set_pkey_perms,
  POR_EL1_INIT,
  type Access,
} from '../../../model/hardware/pkeys.ts';

describe('POE_* field values', () => {
  it('match asm/por.h: NONE=0, R=1, X=2, RX=3, W=4, RW=5, WX=6, RWX=7', () => {
    expect([POE_NONE, POE_R, POE_X, POE_RX, POE_W, POE_RW, POE_WX, POE_RWX]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('names every value', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(permsName)).toEqual(['---', 'R', 'X', 'RX', 'W', 'RW', 'WX', 'RWX']);
  });

  it('pkey numbers: DEFAULT 0, PGTABLES 1', () => {
    expect(KPKEYS_PKEY_DEFAULT).toBe(0);
    expect(KPKEYS_PKEY_PGTABLES).toBe(1);
  });
});

describe('POR_EL1 field encoding (field i at bit i*4)', () => {
  it('por_set_pkey_perms puts pkey i at bits [4i+3:4i]', () => {
    for (let pkey = 0; pkey < 8; pkey++) {
      expect(por_set_pkey_perms(0, pkey, POE_RWX)).toBe((0x7 << (pkey * 4)) >>> 0);
      expect(por_set_pkey_perms(0, pkey, POE_R)).toBe((0x1 << (pkey * 4)) >>> 0);
    }
  });

  it('pkey 7 (the top field) stays an unsigned 32-bit value', () => {
    expect(por_set_pkey_perms(0, 7, POE_RWX)).toBe(0x70000000);
    expect(por_set_pkey_perms(0, 7, 0xf)).toBe(0xf0000000);
    expect(por_elx_idx(0xf0000000, 7)).toBe(0xf);
  });

  it('por_elx_idx reads back the field of every pkey', () => {
    const por = 0x76543210;
    for (let pkey = 0; pkey < 8; pkey++) expect(por_elx_idx(por, pkey)).toBe(pkey);
  });

  it('por_set_pkey_perms leaves every other field alone', () => {
    const por = 0x76543210;
    for (let pkey = 0; pkey < 8; pkey++) {
      for (const perms of [POE_NONE, POE_R, POE_W, POE_RWX]) {
        const out = por_set_pkey_perms(por, pkey, perms);
        expect(por_elx_idx(out, pkey)).toBe(perms);
        for (let other = 0; other < 8; other++) if (other !== pkey) expect(por_elx_idx(out, other)).toBe(other);
      }
    }
  });

  it('por_set_pkey_perms masks perms to 4 bits', () => {
    expect(por_set_pkey_perms(0x17, 1, 0x15)).toBe(0x57);
  });
});

describe('POR_EL1_INIT and kpkeys levels', () => {
  it('POR_EL1_INIT is exactly 0x17: pkey0 RWX, pkey1 R, every other pkey NONE', () => {
    expect(POR_EL1_INIT).toBe(0x17);
    expect(por_elx_idx(POR_EL1_INIT, KPKEYS_PKEY_DEFAULT)).toBe(POE_RWX);
    expect(por_elx_idx(POR_EL1_INIT, KPKEYS_PKEY_PGTABLES)).toBe(POE_R);
    for (let pkey = 2; pkey < 8; pkey++) expect(por_elx_idx(POR_EL1_INIT, pkey)).toBe(POE_NONE);
  });

  it('kpkeys_set_level(KPKEYS_LVL_PGTABLES) from POR_EL1_INIT gives 0x57 (pkey1 RW)', () => {
    expect(kpkeys_level_por(POR_EL1_INIT, 'KPKEYS_LVL_PGTABLES')).toBe(0x57);
  });

  it('KPKEYS_LVL_DEFAULT from 0x57 gives back POR_EL1_INIT', () => {
    expect(kpkeys_level_por(0x57, 'KPKEYS_LVL_DEFAULT')).toBe(POR_EL1_INIT);
    expect(kpkeys_level_por(POR_EL1_INIT, 'KPKEYS_LVL_DEFAULT')).toBe(POR_EL1_INIT);
  });

  it('a level change touches only the PGTABLES field', () => {
    expect(kpkeys_level_por(0x76543207, 'KPKEYS_LVL_PGTABLES')).toBe(0x76543257);
    expect(kpkeys_level_por(0x76543257, 'KPKEYS_LVL_DEFAULT')).toBe(0x76543217);
  });

  it('kpkeysLevelOf and formatPor', () => {
    expect(kpkeysLevelOf(POR_EL1_INIT)).toBe('DEFAULT');
    expect(kpkeysLevelOf(0x57)).toBe('PGTABLES');
    expect(formatPor(0x57)).toBe('0x57 (PGTABLES)');
    expect(formatPor(0x17)).toBe('0x17 (DEFAULT)');
    expect(formatPor(0x7)).toBe('0x07 (DEFAULT)');
  });
});

describe('por_permits, every access kind on every perms value', () => {
  //               perms    read   write  exec
  const TABLE: [number, boolean, boolean, boolean][] = [
    [POE_NONE, false, false, false],
    [POE_R, true, false, false],
    [POE_X, false, false, true],
    [POE_RX, true, false, true],
    [POE_W, false, true, false],
    [POE_RW, true, true, false],
    [POE_WX, false, true, true],
    [POE_RWX, true, true, true],
  ];
  const accesses: Access[] = ['read', 'write', 'exec'];

  for (const [perms, r, w, x] of TABLE) {
    for (const pkey of [0, 1, 5, 7]) {
      it(`${permsName(perms)} in pkey ${pkey}: read ${r}, write ${w}, exec ${x}`, () => {
        // The field under test holds `perms`; every other field holds the opposite (RWX ^ perms).
        let por = 0;
        for (let other = 0; other < 8; other++) por = por_set_pkey_perms(por, other, other === pkey ? perms : POE_RWX ^ perms);
        expect(accesses.map((a) => por_permits(por, pkey, a))).toEqual([r, w, x]);
      });
    }
  }

  it('POR_EL1_INIT: pkey0 everything, pkey1 read only, pkey2 nothing', () => {
    expect(accesses.map((a) => por_permits(POR_EL1_INIT, 0, a))).toEqual([true, true, true]);
    expect(accesses.map((a) => por_permits(POR_EL1_INIT, 1, a))).toEqual([true, false, false]);
    expect(accesses.map((a) => por_permits(POR_EL1_INIT, 2, a))).toEqual([false, false, false]);
    expect(accesses.map((a) => por_permits(0x57, 1, a))).toEqual([true, true, false]);
  });
});
