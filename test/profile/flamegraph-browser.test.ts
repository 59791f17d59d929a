/// <reference lib="dom" />
// The flame graph SVG of a real profile in a real browser (Debian's chromium through
// puppeteer-core): it renders with no script error and no network request, the hot frame's title
// is there, clicking a frame zooms (it becomes the full width, frames outside it hide), Reset Zoom
// restores the layout, and a search highlights the matches and says their share.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profile } from 'tsbpf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, chromiumAvailable, launch } from '../playground/browser.js';
import { kernelDescribe } from '../support/kernel.js';
import { startBusy } from './targets.js';

// CI installs chromium (.ci/run): there a missing browser fails instead of skipping.
const withBrowser =
  chromiumAvailable() || process.env.CI
    ? kernelDescribe
    : (name: string, _needs: unknown, body: () => void) => describe.skip(name, body);

withBrowser('flame graph SVG in chromium', ['tracepoints', 'btf'], () => {
  let chrome: BrowserHandle;
  let file: string;
  beforeAll(async () => {
    const target = startBusy(1);
    await target.ready;
    const end = new AbortController();
    const result = await profile({
      pid: target.pid,
      hz: 199,
      signal: end.signal,
      onStart: () => {
        target.go().finally(() => end.abort());
      },
    });
    file = join(mkdtempSync(join(tmpdir(), 'tsbpf-flame-')), 'cpu.svg');
    writeFileSync(file, result.svg());
    chrome = await launch();
  });
  afterAll(async () => chrome?.close());

  it('shows the hot frame, zooms on click, resets, searches — offline, without errors', async () => {
    const page = await chrome.browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    const titles = await page.$$eval('g.f > title', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(titles.some((t) => /^hot_spin \(\d+ samples, \d+\.\d+%\)$/.test(t))).toBe(true);

    // The frame to zoom on: hot_spin, unless it already spans everything (a profile whose every
    // sample is in hot_spin, as on a loaded machine); then the narrowest frame there is.
    const target = await page.evaluate(() => {
      const width = (g: Element) => Number(g.querySelector('rect')?.getAttribute('width'));
      const frames = [...document.querySelectorAll('g.f')];
      const root = width(document.querySelector('g.f[data-n="all"]') as Element);
      const hot = document.querySelector('g.f[data-n="hot_spin"]') as Element;
      if (width(hot) < root - 1) return 'hot_spin';
      const narrow = frames.filter((g) => width(g) < root - 1).sort((a, b) => width(a) - width(b))[0];
      return narrow?.getAttribute('data-n') ?? 'hot_spin';
    });
    const geometry = () =>
      page.evaluate((name) => {
        const g = (n: string) => document.querySelector(`g.f[data-n="${CSS.escape(n)}"]`) as SVGGElement;
        const rect = (n: string) => g(n).querySelector('rect') as SVGRectElement;
        return {
          hotWidth: Number(rect(name).getAttribute('width')),
          rootWidth: Number(rect('all').getAttribute('width')),
          hidden: [...document.querySelectorAll('g.f')].filter(
            (e) => (e as SVGGElement).style.display === 'none',
          ).length,
          resetOpacity: getComputedStyle(document.getElementById('reset') as Element).opacity,
        };
      }, target);
    const before = await geometry();
    expect(before.resetOpacity).toBe('0');
    // Frames beside the target (their boxes share no x with it): a zoom must hide them. A profile
    // may have none (every other sample ends in one of the target's ancestors).
    const beside = await page.evaluate((name) => {
      const span = (g: Element) => {
        const r = g.querySelector('rect') as SVGRectElement;
        const x = Number(r.getAttribute('x'));
        return [x, x + Number(r.getAttribute('width'))] as const;
      };
      const [a, b] = span(document.querySelector(`g.f[data-n="${CSS.escape(name)}"]`) as Element);
      return [...document.querySelectorAll('g.f')].filter((g) => {
        const [x, y] = span(g);
        return y <= a + 1e-6 || x >= b - 1e-6;
      }).length;
    }, target);
    // A real click on the frame's box.
    const box = await (await page.$(`g.f[data-n="${target}"] rect`))?.boundingBox();
    expect(box).toBeTruthy();
    await page.mouse.click((box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + (box?.height ?? 0) / 2);
    const zoomed = await geometry();
    // The frame now spans the whole width (its ancestors too); what is not in it is hidden.
    expect(zoomed.hotWidth).toBeCloseTo(zoomed.rootWidth, 1);
    expect(zoomed.resetOpacity).toBe('1');
    if (before.hotWidth < before.rootWidth - 1) {
      expect(zoomed.hotWidth).toBeGreaterThan(before.hotWidth);
      expect(zoomed.hidden).toBeGreaterThanOrEqual(beside);
    }

    await page.click('#reset');
    const reset = await geometry();
    expect(reset.hotWidth).toBeCloseTo(before.hotWidth, 1);
    expect(reset.hidden).toBe(0);

    // Search (the button asks with a prompt): matches turn magenta, their share is shown.
    page.once('dialog', (d) => d.accept('hot_'));
    await page.click('#search');
    const found = await page.evaluate(() => ({
      fill: document.querySelector('g.f[data-n="hot_spin"] rect')?.getAttribute('fill'),
      matched: document.getElementById('matched')?.textContent,
    }));
    expect(found.fill).toBe('rgb(230,0,230)');
    expect(found.matched).toMatch(/^Matched: \d+\.\d%$/);

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await page.close();
  });
});
