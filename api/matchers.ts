/**
 * vitest matchers for keeping kernel rules as tests:
 *
 *   import 'mmcheck/matchers';
 *   expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6-pause-lazy-mmu-in-finish-task-switch' })).toHoldAllInvariants();
 *   expect(checkScenario('seed-por-reset-lazy-mmu', { design: 'v6' })).toViolate('pgtable-writes-hold-pgtables-overlay');
 *   expect(replayTrace(trace)).toReproduce();
 */
import { expect } from 'vitest';
import type { ScenarioReport } from './check-scenario.ts';
import type { ReplayReport } from './replay.ts';

function describeReport(r: ScenarioReport): string {
  const where = `${r.scenario} under ${r.design}`;
  if (r.verdict === 'violation')
    return `${where} violates ${r.property} after ${r.trace?.length ?? '?'} steps${r.message ? `: ${r.message}` : ''}${r.callTrace ? `\n  call trace: ${r.callTrace.join(' <- ')}` : ''}`;
  if (r.verdict === 'pass') return `${where} holds every invariant${r.complete ? ' (whole bounded space explored)' : ' (search incomplete)'}`;
  return `${where}: ${r.verdict}${r.stopReason ? ` (${String(r.stopReason)})` : ''}`;
}

expect.extend({
  toHoldAllInvariants(received: ScenarioReport) {
    const pass = received.verdict === 'pass' && received.complete === true;
    return {
      pass,
      message: () =>
        pass ? `expected a violation, but ${describeReport(received)}` : `expected every invariant to hold in the whole bounded space, but ${describeReport(received)}`,
    };
  },
  toViolate(received: ScenarioReport, property: string) {
    const pass = received.verdict === 'violation' && received.property === property;
    return {
      pass,
      message: () => (pass ? `expected ${property} to hold, but ${describeReport(received)}` : `expected a violation of ${property}, but ${describeReport(received)}`),
    };
  },
  toReproduce(received: ReplayReport) {
    const pass = received.status === 'reproduced';
    return { pass, message: () => (pass ? `expected the violation not to reproduce, but ${received.explanation}` : received.explanation) };
  },
});

interface MmcheckMatchers<R = unknown> {
  /** The check passed and explored the whole bounded space. */
  toHoldAllInvariants(): R;
  /** The check found a violation of `property` first. */
  toViolate(property: string): R;
  /** A replayed trace reproduced its recorded violation. */
  toReproduce(): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends MmcheckMatchers<T> {}
}
