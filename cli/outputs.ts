/** --out DIR and --emit-test FILE: the files a kernel counterexample is saved as. */
import type { CheckResult } from '../checker/index.ts';
import type { KernelAction, KernelModel } from '../model/kernel-model.ts';
import type { KernelState } from '../model/kernel/state.ts';
import type { Parsed } from './args.ts';

export async function writeOutputs(_p: Parsed, _model: KernelModel, _result: CheckResult<KernelState, KernelAction>): Promise<void> {
  // Filled in with the counterexample writers (trace.json, ITF, timeline.html, regression test).
}
