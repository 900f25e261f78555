/**
 * timeline.html in a real browser (Debian's Chromium, headless): at 800, 1024 and 1400 px, for
 * a one-CPU trace (the seed under v6) and a two-CPU one (tlbi-elision under
 * tlbi-elision-rw-to-ro), the page has no horizontal overflow and no overlapping text (both
 * measured from the laid-out boxes), logs no console error, loads nothing from the network,
 * stacks the state panel on narrow screens, and its keyboard, click, link and filter
 * navigation work. Waits only for load events and page state, never for fixed times.
 *
 * MMCHECK_SCREENSHOTS=DIR also saves a full-page screenshot of every page measured.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { runScenario } from '../../api/check-scenario.ts';
import { timelineHtml } from '../../counterexamples/kernel/html.ts';
import { CHROMIUM, launchChromium, measureLayout, type Chromium } from './page-checks.ts';

const TRACES = [
  { name: 'seed-por-reset-lazy-mmu', design: 'v6', cpus: 1, steps: 18, focus: 18 },
  { name: 'tlbi-elision', design: 'tlbi-elision-rw-to-ro', cpus: 2, steps: 16, focus: 16 },
] as const;
const WIDTHS = [800, 1024, 1400] as const;

let browser: Chromium;
let dir: string;
const fileOf = (name: string) => pathToFileURL(join(dir, `${name}.html`)).href;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  dir = mkdtempSync(join(tmpdir(), 'mmcheck-browser-'));
  for (const t of TRACES) {
    const { model, result } = runScenario(t.name, { design: t.design, reduction: 'none' }); // the shortest trace the assertions count on
    writeFileSync(join(dir, `${t.name}.html`), timelineHtml(model, result));
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  /** Console errors, page errors and requests that are not this file. */
  readonly problems: string[];
}

async function open(name: string, width: number): Promise<Opened> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== fileOf(name) && !r.url().startsWith(`${fileOf(name)}#`)) problems.push(`request: ${r.url()}`);
  });
  await page.setViewportSize({ width, height: 900 });
  await page.goto(fileOf(name), { waitUntil: 'load' });
  await page.waitForSelector('html[data-ready="1"]');
  return { page, problems };
}

const panelTitle = (page: Page) => page.locator('#state-body h2').textContent();
const pinnedRow = (page: Page) => page.locator('tr.pin').getAttribute('data-i');

describe.each(TRACES)('$name under $design ($cpus CPU)', (t) => {
  it.each(WIDTHS)('at %i px: no horizontal overflow, no overlapping text, no console error, the state panel beside or below', async (width) => {
    const { page, problems } = await open(t.name, width);
    try {
      const layout = await measureLayout(page);
      const shots = process.env.MMCHECK_SCREENSHOTS;
      if (shots) {
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: join(shots, `${t.name}-${width}.png`), fullPage: true });
        writeFileSync(join(shots, `${t.name}-${width}.json`), JSON.stringify({ width, ...layout }, null, 2) + '\n');
      }
      expect(layout.clientWidth).toBe(width);
      expect(layout.scrollWidth).toBe(width);
      expect(layout.pastRightEdge).toEqual([]);
      expect(layout.textFragments).toBeGreaterThan(200);
      expect(layout.overlaps).toEqual([]);
      expect(problems).toEqual([]);
      const main = (await page.locator('main').boundingBox())!;
      const aside = (await page.locator('aside#state').boundingBox())!;
      // Side by side only where the timeline keeps room for its lanes; stacked below otherwise.
      const beside = width >= 1280 || (t.cpus === 1 && width >= 960);
      if (beside) expect(aside.x).toBeGreaterThanOrEqual(main.x + main.width - 1);
      else expect(aside.y).toBeGreaterThanOrEqual(main.y + main.height - 1);
      // Every step row is there, and the lanes' event cells keep a readable width.
      expect(await page.locator('tr[data-i]').count()).toBe(t.steps + 1);
      for (const box of await page.locator('thead th.ev').evaluateAll((ths) => ths.map((th) => th.getBoundingClientRect().width)))
        expect(box).toBeGreaterThanOrEqual(180);
    } finally {
      await page.close();
    }
  });

  it('keyboard and click navigation move the pinned step and the state panel', async () => {
    const { page, problems } = await open(t.name, 1024);
    try {
      expect(await pinnedRow(page)).toBe(String(t.focus));
      expect(await panelTitle(page)).toBe(`State after step ${t.focus} of ${t.steps}`);
      await page.keyboard.press('ArrowUp');
      expect(await pinnedRow(page)).toBe(String(t.focus - 1));
      expect(await panelTitle(page)).toBe(`State after step ${t.focus - 1} of ${t.steps}`);
      await page.keyboard.press('k');
      expect(await pinnedRow(page)).toBe(String(t.focus - 2));
      await page.keyboard.press('j');
      await page.keyboard.press('ArrowDown');
      expect(await pinnedRow(page)).toBe(String(t.focus));
      await page.keyboard.press('Home');
      expect(await panelTitle(page)).toBe('Initial state');
      await page.keyboard.press('End');
      expect(await pinnedRow(page)).toBe(String(t.steps));
      await page.locator('tr[data-i="3"] td.n').click();
      expect(await pinnedRow(page)).toBe('3');
      expect(await panelTitle(page)).toBe(`State after step 3 of ${t.steps}`);
      // The jump link pins the violating step.
      await page.getByRole('link', { name: /^Jump to the violation/ }).click();
      await page.waitForFunction((n) => document.querySelector('tr.pin')?.getAttribute('data-i') === n, String(t.focus));
      expect(page.url()).toBe(`${fileOf(t.name)}#step-${t.focus}`);
      expect(await page.locator('#state-body .sec-inv li.bad .iname').first().textContent()).toMatch(/ is violated$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the filters hide idle tasks, unchanged rows and stack frames', async () => {
    const { page, problems } = await open(t.name, 1400);
    try {
      const titles = () => page.locator('#state-body section h3').allTextContents();
      expect((await titles()).some((x) => /^task swapper/.test(x))).toBe(true);
      await page.locator('#f-idle').check();
      expect((await titles()).some((x) => /^task swapper/.test(x))).toBe(false);
      const rowsBefore = await page.locator('#state-body table.kv tr').count();
      await page.locator('#f-changed').check();
      const changed = await page.locator('#state-body table.kv tr').count();
      expect(changed).toBeLessThan(rowsBefore);
      expect(await page.locator('#state-body table.kv tr:not(.chg)').count()).toBe(0);
      await page.locator('#f-changed').uncheck();
      expect(await page.locator('#state-body details[open]').count()).toBeGreaterThan(0);
      await page.locator('#f-stacks').check();
      expect(await page.locator('#state-body details').count()).toBeGreaterThan(0);
      expect(await page.locator('#state-body details[open]').count()).toBe(0);
      // Arrow keys still move the pin while a filter checkbox has the focus.
      await page.keyboard.press('ArrowUp');
      expect(await pinnedRow(page)).toBe(String(t.focus - 1));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
