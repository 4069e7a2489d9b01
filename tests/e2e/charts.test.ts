// The office opens the chart pages of a published round (weak spots, a 镇街's and a 社区's trend) in
// Chromium: every chart is drawn, and the browser reports no Content-Security-Policy violation and no
// page error (the charts are server-rendered SVG inside pages whose CSP forbids inline styles).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startApp, type TestApp } from '../helpers/app.ts';
import {
  TABLET_LANDSCAPE,
  TABLET_PORTRAIT,
  launchBrowser,
  loginAs,
  screenshot,
  tabletContext,
} from '../helpers/browser.ts';
import { resultsFor } from '../../src/services/results.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { roundWithStatus } from '../helpers/ids.ts';

let app: TestApp;
let browser: Browser;
let published: number;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp();
  published = roundWithStatus(app.booted.db, 'published');
});
afterAll(async () => {
  await browser?.close();
  await app?.destroy();
});

/**
 * What went wrong while the page loaded: Content-Security-Policy violations and other console errors,
 * and script errors. A missing /favicon.ico (the browser asks for it by itself) is not the page's.
 */
async function problemsWhileOpening(page: Page, path: string): Promise<string[]> {
  const seen: string[] = [];
  const onConsole = (m: { type(): string; text(): string; location(): { url: string } }) => {
    if (/favicon\.ico$/.test(m.location().url)) return;
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) seen.push(m.text());
  };
  const onError = (e: Error) => seen.push(`pageerror: ${e.message}`);
  page.on('console', onConsole);
  page.on('pageerror', onError);
  const res = await page.goto(path, { waitUntil: 'load' });
  expect(res?.status()).toBe(200);
  // violations are reported asynchronously; give them a moment to arrive
  await page.waitForTimeout(300);
  page.off('console', onConsole);
  page.off('pageerror', onError);
  return seen;
}

describe('chart pages in the browser', () => {
  it('draw every chart with no Content-Security-Policy error, at both tablet sizes', async () => {
    const r = resultsFor({ db: app.booted.db, criteria: app.booted.criteria }, SYSTEM, published).results;
    const street = r.streets[0]!;
    const community = r.communities.find((c) => c.streetId === street.id)!;
    const pages = [
      { path: `/rounds/${published}/results/weak`, name: 'weak', charts: 3 },
      { path: `/rounds/${published}/results/streets/${street.id}`, name: 'street', charts: 1 },
      { path: `/rounds/${published}/results/communities/${community.id}`, name: 'community', charts: 1 },
    ];
    for (const [size, viewport] of [
      ['portrait', TABLET_PORTRAIT],
      ['landscape', TABLET_LANDSCAPE],
    ] as const) {
      const context = await tabletContext(browser, app.url, viewport);
      const page = await context.newPage();
      await loginAs(page, 'office');
      for (const p of pages) {
        const problems = await problemsWhileOpening(page, p.path);
        expect(problems, `${p.path}: ${problems.join('\n')}`).toEqual([]);
        expect(await page.locator('.chart svg').count()).toBe(p.charts);
        // the chart's labels are drawn in the page's font at their size (not the browser's default)
        const title = page.locator('.chart svg text').first();
        expect(await title.evaluate((t) => getComputedStyle(t).fontSize)).toMatch(/^1[1-5]px$/);
        await screenshot(page, `results-${p.name}-${size}`);
      }
      await context.close();
    }
  });

  it("fit a unit's results page to a 360 px phone: wide tables scroll inside their box, not the page", async () => {
    const context = await tabletContext(browser, app.url, { width: 360, height: 640 });
    const page = await context.newPage();
    await loginAs(page, 'donghu');
    const problems = await problemsWhileOpening(page, `/rounds/${published}/results`);
    expect(problems).toEqual([]);
    expect(await page.locator('h2', { hasText: '镇街排名' }).textContent()).toContain('共 4 个镇街参与排名');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // the 名次 column stays narrow enough that the 镇街's name and 得分率 are in view without scrolling
    const rate = page.locator('table.ranking tbody tr').first().locator('td').nth(2);
    const box = await rate.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    await screenshot(page, 'results-unit-360');
    await context.close();
  });
});
