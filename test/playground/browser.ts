// Debian's chromium, driven by puppeteer-core (no browser download), for the playground tests.
// Screenshots go to test/artifacts/playground/ (gitignored) so a run can be looked at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(new URL('../../', import.meta.url).pathname, 'test/artifacts/playground');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export interface BrowserHandle {
  browser: Browser;
  close(): Promise<void>;
}

export async function launch(): Promise<BrowserHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'tsbpf-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new tab that fails the test on any page error or console error. */
export async function open(handle: BrowserHandle, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await handle.browser.newPage();
  await page.setViewport({ width: 1500, height: 950 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready]');
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Replaces the editor's text by typing it, as a user would. */
export async function typeProgram(page: Page, text: string): Promise<void> {
  await page.click('#editor textarea');
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.type('#editor textarea', text);
  await settle(page);
}

/** Waits until the page has recompiled what was typed (the editor debounces). */
export async function settle(page: Page): Promise<void> {
  await page.waitForSelector('body:not([data-stale])');
}
