export type { Invariant, Model, StateCodec, WorkerSource } from './model.ts';
export type { CheckOptions, Progress, Search } from './engine.ts';
export type { Bounds, CheckResult, Path, Stats, StopReason, Strategy, TraceStep, Verdict } from './result.ts';
export { check, checkAsync, createSearch, type AsyncCheckHooks } from './check.ts';
export { resultToJson, collisionProbability } from './result.ts';
export { FINGERPRINT, fingerprintOf, fingerprintToHex, type Fingerprint, type SelfFingerprinting } from './fingerprint.ts';
export { VisitedTable } from './visited.ts';
export { ModelError, UsageError, describeError } from './errors.ts';
export {
  checkReductionContract,
  REDUCTION_MODES,
  type Actor,
  type ContractReport,
  type Footprint,
  type PartialOrderSupport,
  type ReductionMode,
  type ReductionStats,
  type SymmetrySupport,
} from './reduction/index.ts';
export { immutableCodec, type RecordType } from './codec.ts';
