/**
 * SIGINT and SIGTERM, from the first moment the CLI runs until it exits.
 *
 * bin/mmcheck.js installs a handler before it loads anything; `takeOverSignals` replaces it
 * with this module's, which does what fits the phase the run is in:
 * - start-up (arguments, model loading, no search yet): one line, exit 130 / 143;
 * - a search is running: the search stops, its statistics so far are printed, exit 130 / 143;
 *   a second signal exits at once;
 * - after the search (printing, writing files): exit at once. Output files are written in one
 *   synchronous phase, each to a temporary file then renamed, and signal handlers only run
 *   between event-loop turns, so an interrupted run leaves every file or none.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Shell convention: 128 + the signal number. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

type Phase = 'start-up' | 'search' | 'finishing';

let phase: Phase = 'start-up';
let controller: AbortController | undefined;
let received: StopSignal | undefined;
let installed = false;

function onSignal(sig: StopSignal): void {
  const code = SIGNAL_EXIT[sig];
  if (phase === 'start-up') {
    process.stderr.write(`mmcheck: interrupted by ${sig} during start-up, before any search ran\n`);
    process.exit(code);
  }
  if (phase === 'search' && controller && !controller.signal.aborted) {
    received = sig;
    process.stderr.write(`\nmmcheck: interrupted by ${sig}, stopping (${sig === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to quit at once)\n`);
    controller.abort();
    return;
  }
  process.exit(received ? SIGNAL_EXIT[received] : code);
}

const onSigint = () => onSignal('SIGINT');
const onSigterm = () => onSignal('SIGTERM');

/**
 * Installs this module's handlers and removes the ones `bin/mmcheck.js` installed at start-up
 * (passed in, so there is never a moment without a handler).
 */
export function takeOverSignals(startupHandlers: { SIGINT?: () => void; SIGTERM?: () => void } = {}): void {
  if (!installed) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    installed = true;
  }
  if (startupHandlers.SIGINT) process.off('SIGINT', startupHandlers.SIGINT);
  if (startupHandlers.SIGTERM) process.off('SIGTERM', startupHandlers.SIGTERM);
}

/** The signal that stopped the search, if one did. */
export function stopSignal(): StopSignal | undefined {
  return received;
}

/**
 * Marks the search phase: the returned AbortSignal fires on SIGINT or SIGTERM. `done()` ends the
 * phase (a later signal exits at once). Works without `takeOverSignals` too (the library
 * entry points, tests): then it installs the handlers itself for the duration.
 */
export function searchPhase(): { signal: AbortSignal; done(): void } {
  const ownHandlers = !installed;
  if (ownHandlers) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  controller = new AbortController();
  phase = 'search';
  return {
    signal: controller.signal,
    done: () => {
      phase = 'finishing';
      if (ownHandlers) {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      }
    },
  };
}

/** The command has done its work and is printing or exiting: a signal exits at once. */
export function finishing(): void {
  phase = 'finishing';
}

/** The exit code of a search stopped by a signal. */
export function interruptedExitCode(): number {
  return SIGNAL_EXIT[received ?? 'SIGINT'];
}
