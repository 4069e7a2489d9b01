/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download). When Chromium is missing the tests fail, saying the one command that installs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from './app.ts';
import { ROOT } from './run.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS_DIR = join(ROOT, '.tmp', 'screenshots');

/** `extra` adds arguments and environment (the screenshot script asks for a Chinese browser UI). */
export async function launchBrowser(
  extra: { args?: string[]; env?: Record<string, string | undefined> } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `找不到 Chromium（${CHROMIUM}）。浏览器测试需要它，请先安装：apt-get install -y chromium`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(extra.args ?? []),
    ],
    ...(extra.env ? { env: extra.env } : {}),
  });
}

export const TABLET_PORTRAIT = { width: 768, height: 1024 };
export const TABLET_LANDSCAPE = { width: 1024, height: 768 };

export async function tabletContext(
  browser: Browser,
  baseURL: string,
  viewport = TABLET_PORTRAIT,
): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport,
    hasTouch: true,
    isMobile: false,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
}

export async function loginAs(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.click('button[type=submit]'),
  ]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const path = join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
