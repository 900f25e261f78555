/**
 * Text that fits a terminal: word wrapping by display columns (a word longer than the width is
 * split, never cut with "…"), and ANSI colour that can be switched off.
 */

/** Display columns of `s` (code points; the report's symbols, ↳ ✗ ⇒ →, are one column each). */
export function columns(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function splitAt(s: string, n: number): [string, string] {
  const cps = [...s];
  return [cps.slice(0, n).join(''), cps.slice(n).join('')];
}

/**
 * Wraps `text` into lines of at most `width` columns: the first line is prefixed with `first`,
 * the others with `rest` (a hanging indent). Breaks at spaces; a longer word is split.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const out: string[] = [];
  let prefix = first;
  let line = '';
  const room = () => Math.max(1, width - columns(prefix));
  const flush = () => {
    out.push(prefix + line);
    prefix = rest;
    line = '';
  };
  for (const word of text.split(' ')) {
    let w = word;
    const sep = line ? ' ' : '';
    if (columns(line) + columns(sep) + columns(w) <= room()) {
      line += sep + w;
      continue;
    }
    if (line) flush();
    while (columns(w) > room()) {
      const [head, tail] = splitAt(w, room());
      line = head;
      flush();
      w = tail;
    }
    line = w;
  }
  if (line || out.length === 0) out.push(prefix + line);
  return out;
}

/** Wraps every line of `lines` (a line that fits is kept as is); continuation lines keep its indent plus two. */
export function wrapLines(lines: readonly string[], width: number): string[] {
  return lines.flatMap((l) => {
    if (columns(l) <= width) return [l];
    const indent = /^ */.exec(l)![0];
    const hang = columns(indent) + 2 < width / 2 ? `${indent}  ` : indent;
    return wrap(l.slice(indent.length), width, indent, hang).map((x) => x.trimEnd());
  });
}

/** Items joined by `sep`, wrapped between items (an item wider than the line is wrapped itself). */
export function wrapItems(items: readonly string[], width: number, sep = ' · ', rest = '  '): string[] {
  const out: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? `${line}${sep}${item}` : `${out.length ? rest : ''}${item}`;
    if (columns(next) <= width || !line) line = next;
    else {
      out.push(`${line}${sep.trimEnd()}`);
      line = `${rest}${item}`;
    }
  }
  if (line) out.push(line);
  return out.flatMap((l, i) => (columns(l) <= width ? [l] : wrap(l.trimStart(), width, i ? rest : '', rest)));
}

export type Paint = 'red' | 'green' | 'yellow' | 'magenta' | 'dim' | 'bold' | 'cyan';
const CODES: Record<Paint, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** Colours text when `on`; otherwise returns it unchanged. */
export function painter(on: boolean): (s: string, p: Paint) => string {
  return on ? (s, p) => `\u001b[${CODES[p][0]}m${s}\u001b[${CODES[p][1]}m` : (s) => s;
}

/** Removes ANSI colour codes (to measure what the terminal shows). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}
