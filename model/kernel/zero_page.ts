/**
 * Users of the zero page through its linear alias, page_address(ZERO_PAGE(0)). On arm64
 * ZERO_PAGE(0) is virt_to_page(empty_zero_page), a __page_aligned_bss array
 * (arch/arm64/mm/mmu.c): with data/bss unmapped from the linear map (seed 001), its
 * page_address() is an unmapped alias unless the zero page moves (zeroPage 'beside-fixmap').
 *
 * chacha20poly1305 (lib/crypto/chacha20poly1305.c, used by WireGuard) pads the Poly1305 input
 * from it: `const u8 *pad0 = page_address(ZERO_PAGE(0));` then
 * `poly1305_update(&poly1305_state, pad0, 0x10 - (ad_len & 0xf));`.
 *
 * The VA comes from the layout: vas 'page_address(ZERO_PAGE(0))'.
 */
import { event, kfunc, local } from './exec.ts';
import { kernelAccess } from './hw.ts';

export const chacha20poly1305_encrypt = kfunc('chacha20poly1305_encrypt', 'lib/crypto/chacha20poly1305.c', [
  local('const u8 *pad0 = page_address(ZERO_PAGE(0))', (k) => {
    const va = k.env.layout.vas.get('page_address(ZERO_PAGE(0))');
    if (va === undefined) throw new Error('chacha20poly1305_encrypt: the layout has no page_address(ZERO_PAGE(0))');
    return k.setLocal('pad0', va).next();
  }),
  event('poly1305_update(&poly1305_state, pad0, 0x10 - (ad_len & 0xf))', (k) =>
    kernelAccess(k, k.num('pad0'), 'read', { what: 'the zero page' }).map((o) => ({ label: o.label, k: o.k.setLocal('pad0', undefined).ret() })),
  ),
]);
