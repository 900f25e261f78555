/**
 * --out writes its files together: each to a temporary file, then all renamed. A file that
 * cannot be written leaves none of them (and no temporary file) behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { UsageError } from '../../checker/index.ts';
import { writeAll } from '../../cli/outputs.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-atomic-'));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

it('writes every file and says so', () => {
  writeAll([{ path: join(dir, 'out', 'a.json'), text: 'a\n' }, { path: join(dir, 'out', 'b.json'), text: 'b\n' }], join(dir, 'out'));
  expect(readdirSync(join(dir, 'out')).sort()).toEqual(['a.json', 'b.json']);
  expect(readFileSync(join(dir, 'out', 'b.json'), 'utf8')).toBe('b\n');
  expect(process.stderr.write).toHaveBeenCalledWith(`mmcheck: wrote ${join(dir, 'out', 'a.json')}\n`);
});

it('one file that cannot be written: a UsageError, and none of the files nor a temporary file is left', () => {
  const files = [
    { path: join(dir, 'out', 'trace.json'), text: '{}\n' },
    { path: join(dir, 'no-such-dir', 'regression.test.ts'), text: '// test\n' },
  ];
  expect(() => writeAll(files, join(dir, 'out'))).toThrow(UsageError);
  expect(() => writeAll(files, join(dir, 'out'))).toThrow(`cannot write ${files[1]!.path}: `);
  expect(readdirSync(join(dir, 'out'))).toEqual([]);
  expect(process.stderr.write).not.toHaveBeenCalled();
});
