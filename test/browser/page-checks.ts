/// <reference lib="dom" />
/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for the timeline
 * tests, and the layout measurements they assert: horizontal overflow and overlapping text,
 * both from the boxes the browser laid out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MMCHECK_CHROMIUM ?? '/usr/bin/chromium';

export interface Chromium {
  /** Pages open in this context (a persistent one: Chromium's profile is a fresh temporary directory). */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh headless Chromium with no network-touching background services and its own profile. */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'mmcheck-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface Layout {
  /** document.documentElement.scrollWidth and clientWidth. */
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  /** Elements and lines of text that poke out past the right edge of the viewport: `tag.class right`, `text "..." right`. */
  readonly pastRightEdge: string[];
  /** Pairs of text fragments (one per line box of a text node) that overlap by more than 2 px each way. */
  readonly overlaps: string[];
  /** Text nodes measured. */
  readonly textFragments: number;
}

/**
 * Measures the page as laid out: overflow from the root's scroll width and every element's
 * box; overlap from the client rects of every visible text node (one rect per line, so a
 * wrapped span is not mistaken for a block), compared pairwise after sorting by top.
 */
export async function measureLayout(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const pastRightEdge: string[] = [];
    for (const e of Array.from(document.body.querySelectorAll('*'))) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > width + 0.5) pastRightEdge.push(`${e.tagName.toLowerCase()}.${e.className} ${Math.round(r.right)}`);
    }
    type Frag = { top: number; bottom: number; left: number; right: number; text: string; node: Node };
    const frags: Frag[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent || !n.textContent.trim()) continue;
      const parent = n.parentElement!;
      if (parent.closest('script,style,noscript')) continue;
      const style = getComputedStyle(parent);
      if (style.visibility === 'hidden') continue;
      range.selectNodeContents(n);
      for (const r of Array.from(range.getClientRects())) {
        if (r.width < 1 || r.height < 1) continue;
        frags.push({ top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right, text: n.textContent.trim().slice(0, 40), node: n });
      }
    }
    for (const f of frags) if (f.right > width + 0.5) pastRightEdge.push(`text "${f.text}" ${Math.round(f.right)}`);
    frags.sort((a, b) => a.top - b.top);
    const overlaps: string[] = [];
    for (let i = 0; i < frags.length; i++) {
      const a = frags[i];
      for (let j = i + 1; j < frags.length && frags[j].top < a.bottom - 2; j++) {
        const b = frags[j];
        if (a.node === b.node) continue;
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (dx > 2 && dy > 2) overlaps.push(`"${a.text}" / "${b.text}" (${Math.round(dx)}x${Math.round(dy)} px)`);
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: width, scrollHeight: root.scrollHeight, pastRightEdge, overlaps, textFragments: frags.length };
  });
}
