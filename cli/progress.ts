/**
 * Progress of a long search on stderr: on a terminal one line rewritten in place (states,
 * states/s, queue, depth, elapsed); elsewhere (with --progress) one plain line per report.
 */
import type { Progress } from '../checker/index.ts';

export interface ProgressReporter {
  (p: Progress): void;
  /** Ends the in-place line (so what follows starts on a fresh line). */
  finish(): void;
}

interface Out {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): unknown;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The fields of a progress report, most important first. */
export function progressFields(p: Progress): string[] {
  const rate = p.seconds > 0 ? Math.round(p.distinctStates / p.seconds) : 0;
  return [
    `${n(p.distinctStates)} states`,
    `${n(rate)} states/s`,
    `queue ${n(p.queue)}`,
    `depth ${p.depth}`,
    `${p.seconds.toFixed(0)} s`,
    `${n(p.generatedStates)} generated`,
  ];
}

/** As many fields as fit in `width` columns (a line that wraps cannot be rewritten in place). */
export function progressLine(p: Progress, width = Infinity): string {
  const fields = progressFields(p);
  let line = `progress: ${fields[0]}`;
  for (const f of fields.slice(1)) {
    const next = `${line} · ${f}`;
    if (next.length > width - 1) break;
    line = next;
  }
  return line;
}

export function progressReporter(enabled: boolean, out: Out = process.stderr): ProgressReporter | undefined {
  if (!enabled) return undefined;
  const live = !!out.isTTY;
  let drawn = false;
  const report = ((p: Progress) => {
    if (live) {
      // Carriage return, the line, then erase whatever an older, longer line left.
      out.write(`\r${progressLine(p, out.columns || 80)}\u001b[K`);
      drawn = true;
    } else out.write(`${progressLine(p)}\n`);
  }) as ProgressReporter;
  report.finish = () => {
    if (live && drawn) out.write('\r\u001b[K');
    drawn = false;
  };
  return report;
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
