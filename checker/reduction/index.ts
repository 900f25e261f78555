export type { Actor, Footprint, PartialOrderSupport, ReductionMode, ReductionStats, SymmetrySupport } from './types.ts';
export { REDUCTION_MODES } from './types.ts';
export { AmpleSets, type LookaheadSupport } from './ample.ts';
export { keyMatcher } from './keys.ts';
export { resolveReduction } from './setup.ts';
export { checkReductionContract, type ContractReport } from './contract.ts';
