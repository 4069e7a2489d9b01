// 记录问题 in Chromium: a 包联 leader on a phone (360×640) takes two photos (previewed before sending),
// lets the page read the position (127.0.0.1 counts as a secure origin, so geolocation is offered),
// names the 社区 and sends it — the problem page then says where it went; the office on a tablet
// (768×1024) sees both sources with their deadlines. Neither page is wider than the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { scalar, startApp, type TestApp } from '../helpers/app.ts';
import { TABLET_PORTRAIT, launchBrowser, loginAs, screenshot } from '../helpers/browser.ts';
import { ROOT } from '../helpers/run.ts';
import { insertUser } from '../../src/db/repos/users.ts';
import { hashPassword } from '../../src/services/passwords.ts';

const PHONE = { width: 360, height: 640 };
const PHOTOS = [
  join(ROOT, 'tests/fixtures/photos/gps-DSCN0010.jpg'),
  join(ROOT, 'tests/fixtures/photos/orientation-portrait_1.jpg'),
];
// a point among the demo district's sites (幸福社区)
const HERE = { latitude: 30.2551, longitude: 120.1254 };

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp();
  const unit = scalar(app.booted.db, 'SELECT unit_id FROM community_liaisons ORDER BY community_id LIMIT 1');
  insertUser(app.booted.db, {
    username: 'e2e-leader',
    displayName: '刘部长',
    role: 'leader',
    unitId: unit as number,
    homeStreetId: null,
    passwordHash: await hashPassword('leader-pass-2026'),
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.destroy();
});

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('记录问题 in a browser', () => {
  it('a leader records one on a phone with photos and the position', async () => {
    const context = await browser.newContext({
      baseURL: app.url,
      viewport: PHONE,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: HERE,
      permissions: ['geolocation'],
    });
    const page = await context.newPage();
    await loginAs(page, 'e2e-leader', 'leader-pass-2026');
    await page.goto('/problems/new');
    expect(await overflow(page)).toBe(0);
    await page.setInputFiles('#record input[name=photos]', PHOTOS);
    await expect.poll(() => page.locator('#record-previews img').count()).toBe(2);
    expect(await page.locator('#record-previews').textContent()).toContain('已选 2 张');
    await page.click('#record-locate');
    await expect
      .poll(() => page.locator('#record-located').textContent())
      .toContain('已定位：30.255100, 120.125400');
    await page.selectOption('#record select[name=community_id]', { label: '幸福社区' });
    await page.fill('#record textarea[name=description]', '人行道共享单车乱停放');
    await screenshot(page, 'problem-record-leader-phone');
    await page.click('#record button[type=submit]');
    await page.waitForURL(/\/problems\/\d+$/);
    expect(await page.locator('.alert').first().textContent()).toContain('已记录问题，已交办 幸福社区居委会');
    const id = Number(/\/problems\/(\d+)$/.exec(page.url())![1]);
    const row = app.booted.db
      .prepare('SELECT gps_lat, gps_lng, outside_district, source FROM problems WHERE id = ?')
      .get(id);
    expect(row).toEqual({ gps_lat: 30.2551, gps_lng: 120.1254, outside_district: 0, source: 'inspection' });
    expect(
      scalar(app.booted.db, "SELECT count(*) FROM photos WHERE problem_id = ? AND kind = 'record'", id),
    ).toBe(2);
    await context.close();
  });

  it('the office sees both sources with their deadlines on a tablet', async () => {
    const context = await browser.newContext({
      baseURL: app.url,
      viewport: TABLET_PORTRAIT,
      locale: 'zh-CN',
    });
    const page = await context.newPage();
    await loginAs(page, 'office');
    await page.goto('/problems/new');
    expect(await overflow(page)).toBe(0);
    expect(await page.locator('.record-choice strong').allTextContents()).toEqual(['督查', '媒体']);
    expect(await page.locator('.record-choice small').first().textContent()).toMatch(
      /^整改时限 5 个工作日，至 \d{4}-\d{2}-\d{2}$/,
    );
    await screenshot(page, 'problem-record-office-tablet');
    await context.close();
  });
});
