/** timeline.html: placeholder until the timeline renderer lands. */
import type { CheckResult } from '../../checker/index.ts';
import type { KernelAction, KernelModel } from '../../model/kernel-model.ts';
import type { KernelState } from '../../model/kernel/state.ts';

export function timelineHtml(model: KernelModel, r: CheckResult<KernelState, KernelAction>): string {
  return `<!doctype html><title>${model.scenario.name}</title><pre>${r.trace?.map((t) => t.action).join('\n') ?? ''}</pre>`;
}
