// Each role's main pages on a tablet held upright (768×1024): no table header and no status badge is
// squeezed into a column one character wide (each stays within about two lines of text), no page is
// wider than the screen, and the user's name stays in the top bar — at 360 px on a phone as well.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startApp, type TestApp } from '../helpers/app.ts';
import { TABLET_PORTRAIT, launchBrowser, loginAs, screenshot, tabletContext } from '../helpers/browser.ts';
import { roundWithStatus, versionIdOf } from '../helpers/ids.ts';

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp();
});
afterAll(async () => {
  await browser?.close();
  await app?.destroy();
});

const id = (sql: string, ...args: unknown[]) =>
  app.booted.db
    .prepare(sql)
    .pluck()
    .get(...args) as number;

/**
 * Headers and badges taller than `maxLines` lines of their own text: the height of the text itself
 * (a Range around the element's contents, not the cell, whose row may be tall for other reasons)
 * divided by the element's line height. Vertical headers (the criteria matrix) are written sideways
 * on purpose and left out.
 */
async function squeezed(page: Page, maxLines = 2.2): Promise<string[]> {
  return page.evaluate((limit) => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('th:not(.vert), .badge')) {
      const range = document.createRange();
      range.selectNodeContents(el);
      const box = range.getBoundingClientRect();
      if (!box.height || !(el.textContent ?? '').trim()) continue;
      const style = getComputedStyle(el);
      const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
      const lines = box.height / line;
      if (lines > limit)
        out.push(`${el.tagName.toLowerCase()} “${(el.textContent ?? '').trim()}”: ${lines.toFixed(1)} 行`);
    }
    return out;
  }, maxLines);
}

async function walk(username: string, who: string, paths: string[]) {
  const context = await tabletContext(browser, app.url, TABLET_PORTRAIT);
  const page = await context.newPage();
  await loginAs(page, username);
  const found: string[] = [];
  for (const path of paths) {
    const reply = await page.goto(path);
    expect(reply?.status(), path).toBe(200);
    for (const s of await squeezed(page)) found.push(`${path}: ${s}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > TABLET_PORTRAIT.width) found.push(`${path}: 页面宽 ${width}px`);
    // the user's name is in the top bar, on screen
    const name = page.locator('.topbar .who-name');
    await expect.poll(() => name.isVisible(), { message: path }).toBe(true);
    expect(await name.textContent()).toContain(who);
    const box = (await name.boundingBox())!;
    expect(box.width, path).toBeGreaterThan(20);
    expect(box.x + box.width, path).toBeLessThanOrEqual(TABLET_PORTRAIT.width);
  }
  await screenshot(page, `layout-${username}-last-portrait`);
  await context.close();
  return found;
}

describe('at 768 px', () => {
  it(
    'the office pages keep headers and badges readable and show the name',
    { timeout: 180_000 },
    async () => {
      const open = roundWithStatus(app.booted.db, 'open');
      const published = roundWithStatus(app.booted.db, 'published');
      const community = id('SELECT community_id FROM sites WHERE community_id IS NOT NULL LIMIT 1');
      const street = id('SELECT id FROM streets LIMIT 1');
      const site = id('SELECT site_id FROM round_sites WHERE round_id = ? LIMIT 1', published);
      const problem = id('SELECT id FROM problems LIMIT 1');
      const version = versionIdOf(app.booted.db, 'district-2026');
      const found = await walk('office', '王主任', [
        '/',
        '/rounds',
        `/rounds/${open}`,
        `/rounds/${open}/review`,
        `/rounds/${open}/assignments`,
        `/rounds/${published}`,
        `/rounds/${published}/results`,
        `/rounds/${published}/results/streets/${street}`,
        `/rounds/${published}/results/communities/${community}`,
        `/rounds/${published}/results/sites/${site}`,
        `/rounds/${published}/results/weak`,
        '/problems',
        `/problems/${problem}`,
        '/places',
        '/places/sites',
        '/units',
        '/users',
        '/imports',
        '/rounds/new',
        '/criteria',
        `/criteria/${version}`,
        '/audit',
      ]);
      expect(found).toEqual([]);
    },
  );

  it("an inspector's and a unit's pages too", { timeout: 120_000 }, async () => {
    const open = roundWithStatus(app.booted.db, 'open');
    const published = roundWithStatus(app.booted.db, 'published');
    const site = id(
      `SELECT a.site_id FROM assignments a JOIN users u ON u.id = a.inspector_id
       WHERE a.round_id = ? AND u.username = 'inspector1' LIMIT 1`,
      open,
    );
    const inspector = await walk('inspector1', '张伟', ['/', `/rounds/${open}/sites/${site}`, '/problems']);
    const problem = id(
      "SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id WHERE u.code = 'D-CGJ' LIMIT 1",
    );
    const unit = await walk('chengguan', '赵科长', [
      '/',
      '/problems',
      `/problems/${problem}`,
      `/rounds/${published}/results`,
    ]);
    expect([...inspector, ...unit]).toEqual([]);
  });
});

describe('on a phone (360 px)', () => {
  it(
    "keeps the name in the top bar, the menu on a row of its own and a unit's pages within the screen",
    { timeout: 120_000 },
    async () => {
      const context = await tabletContext(browser, app.url, { width: 360, height: 640 });
      const page = await context.newPage();
      await loginAs(page, 'chengguan');
      const name = page.locator('.topbar .who-name');
      expect(await name.isVisible()).toBe(true);
      const box = (await name.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(360);
      const menu = (await page.locator('.topbar .nav').boundingBox())!;
      expect(menu.y).toBeGreaterThanOrEqual(box.y + box.height - 1); // below the name, not squeezed beside it
      expect(menu.width).toBeGreaterThan(300);
      await screenshot(page, 'layout-unit-phone');
      // a unit's pages fit the phone: wide tables scroll inside themselves
      const published = roundWithStatus(app.booted.db, 'published');
      const problem = id(
        "SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id WHERE u.code = 'D-CGJ' LIMIT 1",
      );
      for (const path of ['/problems', `/problems/${problem}`, `/rounds/${published}/results`]) {
        await page.goto(path);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(
          360,
        );
      }
      await context.close();
    },
  );
});
