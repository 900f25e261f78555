/** The deep matrix under --reduction all and none, part 1 of 2 (two files: vitest runs files in parallel). See deep-cells.ts. */
import { deepCells } from './deep-cells.ts';

deepCells(0, 2);
