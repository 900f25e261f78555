/**
 * `matrix --deep` cells: the deep bounds (2 CPUs, 2 IRQs per CPU), a BFS to the cap, and a DFS
 * when the BFS found nothing. Exact numbers are regression numbers (unreduced: `reduction: 'none'`).
 */
import { describe, expect, it } from 'vitest';
import { cellParams, runCell } from '../../api/matrix.ts';
import { getScenario } from '../../model/scenarios/index.ts';

describe('a deep matrix cell', () => {
  it('runs at least 2 CPUs and 2 IRQs per CPU', () => {
    expect(cellParams(getScenario('tlbi-elision'), true)).toMatchObject({ cpus: 2, irqs: 2 });
    expect(cellParams(getScenario('tlbi-elision'), false)).toMatchObject({ cpus: 1 });
  });

  it('a violation within BFS reach is reported by the BFS alone: the shortest counterexample', () => {
    const cell = runCell(getScenario('irq-frees-pgtable'), 'v6-no-por-reset', { deep: true, reduction: 'none' });
    expect([cell.verdict, cell.property, cell.traceLength, cell.matches, cell.searches]).toEqual(['violation', 'el1-handlers-run-with-por-init', 3, true, ['bfs']]);
  });

  it('a violation past the BFS cap is found by the DFS that follows (partial-block-overlap × linear-map-blocks: 42 steps)', () => {
    const cell = runCell(getScenario('partial-block-overlap'), 'linear-map-blocks', { deep: true, reduction: 'none', deepMaxStates: 2_000 });
    expect([cell.verdict, cell.property, cell.matches, cell.searches]).toEqual(['violation', 'set-memory-return-means-done', true, ['bfs', 'dfs']]);
    expect(cell.traceLength).toBe(42);
  });

  it("the expected call trace is a default-bounds expectation: at deep bounds the other CPU may break the same rule first through another caller", () => {
    const cell = runCell(getScenario('partial-block-overlap'), 'walker-without-overlap-check', { deep: true, reduction: 'none' });
    expect([cell.verdict, cell.property, cell.traceLength, cell.matches]).toEqual(['violation', 'permission-change-stays-in-range', 4, true]);
    const atDefaultBounds = runCell(getScenario('partial-block-overlap'), 'walker-without-overlap-check', { reduction: 'none' });
    expect([atDefaultBounds.verdict, atDefaultBounds.property, atDefaultBounds.matches]).toEqual(['violation', 'permission-change-stays-in-range', true]);
  });

  it('a pass that reaches the cap in both searches stays incomplete and does not match', () => {
    const cell = runCell(getScenario('tlbi-elision'), 'v6', { deep: true, reduction: 'none', deepMaxStates: 500 });
    expect([cell.verdict, cell.complete, cell.matches, cell.searches]).toEqual(['incomplete', false, false, ['bfs', 'dfs']]);
    expect(cell.distinctStates).toBeGreaterThanOrEqual(500);
  });
});
