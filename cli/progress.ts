/** Progress lines on stderr while a long search runs (only when stderr is a terminal). */
import type { Progress } from '../checker/index.ts';

export function progressReporter(enabled: boolean): ((p: Progress) => void) | undefined {
  if (!enabled) return undefined;
  return (p) => {
    const rate = p.seconds > 0 ? Math.round(p.distinctStates / p.seconds) : 0;
    const n = (x: number) => x.toLocaleString('en-US');
    process.stderr.write(
      `progress: ${n(p.distinctStates)} distinct · ${n(p.generatedStates)} generated · ${n(rate)} states/s · depth ${p.depth} · queue ${n(p.queue)} · ${p.seconds.toFixed(0)} s\n`,
    );
  };
}

/** An AbortSignal that fires on the first Ctrl-C; a second Ctrl-C exits at once. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nmmcheck: interrupted, stopping (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
