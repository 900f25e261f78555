/**
 * A network interrupt and its NET_RX softirq: the softirq-context allocation that reaches
 * KFENCE (drivers/net/ethernet/stmicro/stmmac/stmmac_main.c, net/core/dev.c).
 *
 * The IRQ handler schedules NAPI, which raises NET_RX_SOFTIRQ; __do_softirq() (entry.ts) runs
 * net_rx_action() on the IRQ exit path, in softirq context. Abstraction: the NAPI poll and
 * the skb allocation down to kfence_alloc() are one call; the sample timer has armed KFENCE,
 * so this allocation reuses a freed KFENCE object (`kfence object` in the layout).
 */
import { event, kfunc, local } from './exec.ts';
import { kfence_guarded_alloc } from './kfence.ts';

export const stmmac_interrupt = kfunc('stmmac_interrupt', 'drivers/net/ethernet/stmicro/stmmac/stmmac_main.c', [
  event('stmmac_napi_check(): napi_schedule(&ch->rx_napi): __raise_softirq_irqoff(NET_RX_SOFTIRQ)', (k) =>
    k.setCpu((c) => c.set('softirq_pending', 'net_rx_action')).ret(),
  ),
]);

export const net_rx_action = kfunc('net_rx_action', 'net/core/dev.c', [
  local('napi_poll(): stmmac_napi_poll_rx(): napi_alloc_skb(GFP_ATOMIC): kmalloc(): kfence_alloc(): __kfence_alloc()', (k) => {
    const addr = k.env.layout.vas.get('kfence object');
    if (addr === undefined) throw new Error('net_rx_action: the layout has no `kfence object`');
    return k.call(kfence_guarded_alloc, { addr });
  }),
]);
