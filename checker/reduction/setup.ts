/** Which reductions a search uses: what was asked, what the model supports, what the bounds allow. */
import type { Model } from '../model.ts';
import type { ReductionMode, ReductionStats } from './types.ts';

export interface ReductionRequest {
  readonly reduction?: ReductionMode;
  readonly strategy?: string;
  readonly maxDepth?: number;
  readonly maxPreemptions?: number;
  readonly workers?: number;
}

/**
 * What a search uses when not told: every reduction the model supports. On the two-CPU seed
 * scenarios partial-order reduction stores 3.5–7.7× fewer states in 1.1–1.4× the time of an
 * unreduced search (docs/reduction.md; where both CPUs change page tables it can cost much
 * more per state). A model without footprints or symmetry is searched unreduced. `none` gives
 * the shortest BFS counterexample and the counts TLC would give.
 */
export const DEFAULT_REDUCTION: ReductionMode = 'all';

/** The reductions to use; `notes` say why a requested one is off. */
export function resolveReduction(model: Model<unknown, unknown>, o: ReductionRequest): ReductionStats {
  const requested = o.reduction ?? DEFAULT_REDUCTION;
  // A reduction the model does not support is noted when asked for by name, not by default or by `all`.
  const byName = o.reduction !== undefined && requested !== 'all';
  const notes: string[] = [];
  let por = requested === 'all' || requested === 'por';
  let symmetry = requested === 'all' || requested === 'symmetry';
  if (por) {
    const off = !model.por
      ? 'the model declares no footprints (Model.por)'
      : typeof model.actor !== 'function'
        ? 'the model defines no actor(action)'
        : o.strategy === 'random'
          ? 'random walks are not reduced'
          : (o.workers ?? 1) > 1
            ? 'the parallel bfs (workers > 1) does not reduce'
            : o.maxPreemptions !== undefined
            ? 'off under maxPreemptions: the bound counts preemptions of unreduced schedules'
            : o.maxDepth !== undefined
              ? 'off under maxDepth: reordering steps can lengthen a path past the bound'
              : undefined;
    if (off) {
      por = false;
      if (byName || model.por) notes.push(`por: ${off}`);
    }
  }
  if (symmetry) {
    const off = !model.symmetry
      ? 'the model declares no symmetry (Model.symmetry)'
      : o.strategy === 'random'
        ? 'random walks are not reduced'
        : (o.workers ?? 1) > 1
          ? 'the parallel bfs (workers > 1) does not reduce'
          : o.maxPreemptions !== undefined
            ? 'off under maxPreemptions: the preemption context names concrete actors'
            : undefined;
    if (off) {
      symmetry = false;
      if (byName || model.symmetry) notes.push(`symmetry: ${off}`);
    }
  }
  return { requested, por, symmetry, ...(notes.length ? { notes } : {}) };
}
