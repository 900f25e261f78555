/** How violation messages show a POR_EL1 value: `0x17 (pkey1 R)`. */
const PERMS = ['---', 'R', 'X', 'RX', 'W', 'RW', 'WX', 'RWX'];

export function explainPor(por: number): string {
  const pkey1 = (por >>> 4) & 0x7;
  return `0x${por.toString(16).padStart(2, '0')} (pkey1 ${PERMS[pkey1]})`;
}
