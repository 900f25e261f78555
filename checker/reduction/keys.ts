/**
 * Footprint keys and the patterns invariants declare they read.
 *
 * A key names one component of a model's state ("cpu0.por_el1", "mem:5:2", "x"); a pattern is
 * a key in which `*` matches any run of characters ("cpu*.por_el1", "task1.*", "*").
 */

/** Compiles `reads` patterns to one matcher. No patterns at all: the reader reads everything. */
export function keyMatcher(patterns: readonly string[] | undefined): (key: string) => boolean {
  if (patterns === undefined) return () => true;
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (!p.includes('*')) exact.add(p);
    else globs.push(new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`));
  }
  return (key) => exact.has(key) || globs.some((g) => g.test(key));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
