// On a tablet held upright: an inspector logs in, sees their sites, and logs out; a wrong password
// keeps them on the login page with the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startApp, type TestApp } from '../helpers/app.ts';
import { launchBrowser, loginAs, screenshot, tabletContext } from '../helpers/browser.ts';

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

describe('login on a tablet', () => {
  it('shows the message on a wrong password, then logs in and lists my sites', async () => {
    const context = await tabletContext(browser, app.url);
    const page = await context.newPage();
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=username]', 'inspector1');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.alert')).toContain('用户名或密码不正确');
    await screenshot(page, 'login-error-portrait');

    await loginAs(page, 'inspector1');
    expect(await page.textContent('h1')).toBe('我的点位');
    const sites = await page.locator('.site-card').count();
    expect(sites).toBeGreaterThan(5);
    const box = await page.locator('.site-card').first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44); // a finger-sized target
    await screenshot(page, 'inspector-home-portrait');

    await page.click('text=退出');
    await page.waitForURL(/\/login$/);
    await context.close();
  });
});
