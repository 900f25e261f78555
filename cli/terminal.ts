/** What the terminal the CLI prints to can show: its width, and whether to colour. */

interface Stream {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Columns of `stream` when it is a terminal; otherwise $COLUMNS; otherwise 80. */
export function terminalWidth(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

/**
 * Colour follows the conventions: NO_COLOR (any non-empty value) turns it off; FORCE_COLOR
 * turns it on (unless it is 0 or false); otherwise colour only on a terminal.
 */
export function colourEnabled(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR.toLowerCase());
  return !!stream.isTTY;
}
