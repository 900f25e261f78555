/** Exit codes of every mmcheck command. */
export const EXIT = {
  /** No violation within the bounds (replay: the recorded violation reproduced). */
  ok: 0,
  /** A violation or deadlock (replay: the violation no longer reproduces). */
  violation: 1,
  /** Bad usage or bad input: one line on stderr. */
  usage: 2,
  /** Stopped by --max-states, --time-limit or --max-memory before a verdict. */
  incomplete: 3,
  /** Stopped by Ctrl-C, SIGINT (statistics so far are printed). */
  interrupted: 130,
  /** Stopped by SIGTERM (statistics so far are printed). */
  terminated: 143,
} as const;

import type { CheckResult } from '../checker/index.ts';
import { interruptedExitCode } from './signals.ts';

export function exitCodeOf(r: CheckResult): number {
  switch (r.verdict) {
    case 'pass':
      return EXIT.ok;
    case 'violation':
    case 'deadlock':
      return EXIT.violation;
    case 'incomplete':
      return r.stopReason === 'interrupted' ? interruptedExitCode() : EXIT.incomplete;
  }
}
