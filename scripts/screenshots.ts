/**
 * npm run screenshots: starts the app on a temporary folder with the demo district, drives Debian's
 * Chromium (playwright-core) through the main pages as each role and writes the PNGs the README and
 * docs/用户指南.md show to docs/images/ under stable names. The two workbooks are downloaded through the
 * app and rendered with LibreOffice (headless, to PDF) and pdftoppm; without them, the workbook's first
 * sheet is rendered as an HTML table with exceljs and photographed in Chromium instead.
 *
 * Needs (Debian): apt-get install -y chromium fonts-noto-cjk chromium-l10n libreoffice-calc-nogui poppler-utils
 * (chromium-l10n makes the browser's own controls, e.g. the file picker, say 选择文件; the last two are for
 * the workbooks and may be left out). Options (environment): SCREENSHOTS_PORT (default: any free port),
 * CHROMIUM_PATH, KEEP_TMP=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { createAppServer } from '../src/web/http-server.ts';
import { CHROMIUM, launchBrowser } from '../tests/helpers/browser.ts';
import { relay } from '../tests/helpers/relay.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'docs', 'images');
const PASSWORD = 'screenshots-2026';
const PORTRAIT = { width: 768, height: 1024 };
const LANDSCAPE = { width: 1024, height: 768 };
const PHOTO = join(ROOT, 'tests', 'fixtures', 'photos', 'orientation-portrait_5.jpg');

const made: string[] = [];
const notes: string[] = [];

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (!existsSync('/usr/lib/chromium/locales/zh-CN.pak') && existsSync('/usr/lib/chromium/locales'))
  notes.push('Chromium 没有中文语言包，文件选择按钮会显示英文：apt-get install -y chromium-l10n');
if (!existsSync(CHROMIUM))
  fail(
    `找不到 Chromium（${CHROMIUM}）。生成截图需要它和中文字体，请先安装：apt-get install -y chromium fonts-noto-cjk`,
  );

/** Writes a PNG (max compression); `clip` crops to a region of the full page. */
async function shot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean; maxHeight?: number; selector?: string } = {},
): Promise<void> {
  const path = join(OUT, `${name}.png`);
  let buffer: Buffer;
  if (opts.selector) {
    buffer = await page.locator(opts.selector).first().screenshot();
  } else if (opts.maxHeight) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const width = page.viewportSize()!.width;
    buffer = await page.screenshot({
      fullPage: true,
      clip: { x: 0, y: 0, width, height: Math.min(height, opts.maxHeight) },
    });
  } else {
    buffer = await page.screenshot({ fullPage: opts.fullPage ?? false });
  }
  await sharp(buffer).png({ compressionLevel: 9, palette: true, quality: 90 }).toFile(path);
  made.push(path);
  console.log(`  ${name}.png`);
}

async function newTablet(browser: Browser, baseURL: string, viewport = LANDSCAPE): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport,
    hasTouch: true,
    isMobile: false,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
}

async function loginAs(page: Page, username: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.click('button[type=submit]'),
  ]);
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
}

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/**
 * A workbook as an image: LibreOffice → PDF → pdftoppm (the first `pages` pages, white margins trimmed,
 * stacked, cut at `maxHeight`), else exceljs → HTML table of the first sheet → Chromium.
 */
async function workbookImage(
  browser: Browser,
  xlsx: Buffer,
  name: string,
  work: string,
  opts: { pages: number; maxHeight: number },
): Promise<void> {
  const file = join(work, `${name}.xlsx`);
  writeFileSync(file, xlsx);
  const office = ['libreoffice', 'soffice'].find(haveCommand);
  if (office && haveCommand('pdftoppm')) {
    execFileSync(
      office,
      [
        `-env:UserInstallation=file://${join(work, 'lo-profile')}`,
        '--headless',
        '--convert-to',
        'pdf',
        '--outdir',
        work,
        file,
      ],
      { stdio: 'ignore', timeout: 180_000 },
    );
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '120',
      '-f',
      '1',
      '-l',
      String(opts.pages),
      join(work, `${name}.pdf`),
      join(work, name),
    ]);
    const pngs = readdirSync(work)
      .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
      .sort();
    if (!pngs.length) fail(`pdftoppm 没有生成 ${name} 的图片`);
    // each page without its margins and the page-number footer, then one under the other
    const parts: { input: Buffer; width: number; height: number }[] = [];
    for (const png of pngs) {
      const meta = await sharp(join(work, png)).metadata();
      const body = await sharp(join(work, png))
        .extract({ left: 0, top: 0, width: meta.width!, height: Math.round(meta.height! * 0.9) })
        .toBuffer();
      const { data, info } = await sharp(body)
        .trim({ background: '#ffffff', threshold: 10 })
        .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
        .toBuffer({ resolveWithObject: true });
      parts.push({ input: data, width: info.width, height: info.height });
    }
    const width = Math.max(...parts.map((p) => p.width));
    const total = parts.reduce((n, p) => n + p.height, 0);
    let top = 0;
    const layers = parts.map((p) => {
      const layer = { input: p.input, top, left: 0 };
      top += p.height;
      return layer;
    });
    const stacked = await sharp({
      create: { width, height: total, channels: 3, background: '#ffffff' },
    })
      .composite(layers)
      .png()
      .toBuffer();
    const path = join(OUT, `${name}.png`);
    await sharp(stacked)
      .extract({ left: 0, top: 0, width, height: Math.min(total, opts.maxHeight) })
      .png({ compressionLevel: 9, palette: true })
      .toFile(path);
    made.push(path);
    console.log(`  ${name}.png（LibreOffice）`);
    return;
  }
  notes.push(
    `${name}: 未找到 libreoffice/pdftoppm，改用 HTML 表格渲染（apt-get install -y libreoffice-calc-nogui poppler-utils）`,
  );
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  const rows: string[] = [];
  ws.eachRow((row, n) => {
    if (n > 30) return;
    const cells = (row.values as unknown[]).slice(1).map((v) => {
      const text =
        v && typeof v === 'object' && 'richText' in v
          ? (v as { richText: { text: string }[] }).richText.map((t) => t.text).join('')
          : v && typeof v === 'object' && 'text' in v
            ? String((v as { text: unknown }).text)
            : v && typeof v === 'object' && 'result' in v
              ? String((v as { result: unknown }).result)
              : v instanceof Date
                ? v.toISOString().slice(0, 10)
                : String(v ?? '');
      return `<td>${esc(text)}</td>`;
    });
    rows.push(`<tr>${cells.join('')}</tr>`);
  });
  const html = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><style>
    body{font-family:'Noto Sans CJK SC',sans-serif;font-size:12px;margin:8px}
    td{border:1px solid #bbb;padding:2px 6px;white-space:nowrap}</style>
    <p><b>${esc(ws.name)}</b></p><table>${rows.join('')}</table></html>`;
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  await page.setContent(html);
  await shot(page, name, { maxHeight: 900 });
  await page.close();
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'cc-shots-'));
  console.log(`生成演示区数据（${work}）…`);
  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: join(work, 'data'),
    UPLOAD_DIR: join(work, 'uploads'),
    DEMO: '1',
    DEMO_PASSWORD: PASSWORD,
    LOG_LEVEL: 'silent',
  });
  const booted = await boot(config, () => {});
  const server: HttpServer = await new Promise((resolve) => {
    const s = createAppServer(booted.app).listen(Number(process.env.SCREENSHOTS_PORT ?? 0), '127.0.0.1', () =>
      resolve(s),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const net = await relay(url);
  const browser = await launchBrowser({
    args: ['--lang=zh-CN'],
    env: { ...process.env, LANGUAGE: 'zh_CN', LANG: 'zh_CN.UTF-8' },
  });
  const db = booted.db;
  const openRound = db.prepare("SELECT id FROM rounds WHERE status = 'open'").pluck().get() as number;
  // the demo's 综合测评 round (实地考察 + 材料审核): its page has the 材料审核 panel
  const documentsRound = db
    .prepare("SELECT id FROM rounds WHERE methods LIKE '%document%' ORDER BY id LIMIT 1")
    .pluck()
    .get() as number;
  const published = db.prepare("SELECT id FROM rounds WHERE status = 'published'").pluck().get() as number;
  try {
    console.log('测评员（平板竖屏）…');
    {
      const context = await newTablet(browser, url, PORTRAIT);
      const page = await context.newPage();
      await loginAs(page, 'inspector1');
      await visit(page, '/');
      await shot(page, 'inspector-my-sites');
      // a half-filled sheet with a photo
      await page.locator('.site-card .state-none').first().locator('xpath=ancestor::a').click();
      await page.waitForSelector('form.sheet[data-editable="1"]');
      const stds = await page
        .locator('.std')
        .evaluateAll((els) =>
          els.map((e) => [(e as HTMLElement).dataset.code!, (e as HTMLElement).dataset.mode!]),
        );
      const std = (code: string) => page.locator(`.std[data-code="${code}"]`);
      const ded = stds.findIndex(([, mode], i) => i > 0 && mode === 'deduction');
      await std(stds[0]![0]!).locator('.choice.ok').click();
      const second = std(stds[ded]![0]!);
      await second.locator('.choice.fail').click();
      await second.locator('.stepper:has(input[name^="c_"]) button[data-step="1"]').click();
      await second.locator('textarea').fill('楼道内堆放杂物，两处');
      await second.locator('input[type=file]').setInputFiles(PHOTO);
      await second.locator('.photo img[src^="/photos/"]').waitFor({ timeout: 20_000 });
      for (const [code] of stds.slice(1, 5))
        if (code !== stds[ded]![0]) await std(code!).locator('.choice.ok').click();
      await page.waitForFunction(
        () => document.getElementById('save-state')?.textContent === '已保存',
        null,
        {
          timeout: 20_000,
        },
      );
      // reloaded (the state badge says 填写中), scrolled to the failed standard under the sticky bar
      await page.reload();
      await page.waitForSelector('form.sheet[data-editable="1"] .photo img[src^="/photos/"]');
      const failed = `.std[data-code="${stds[ded]![0]!}"]`;
      await page.evaluate((sel) => {
        const el = document.querySelector(sel)!;
        window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 330);
      }, failed);
      await shot(page, 'inspector-sheet');
      // a sheet the office sent back
      await visit(page, '/');
      const returned = page.locator('.site-card:has(.state-returned) a').first();
      if (await returned.count()) {
        await returned.click();
        await page.waitForSelector('form.sheet');
        await page.waitForLoadState('networkidle');
        await page.waitForFunction(() => document.getElementById('offline-bar')?.textContent?.trim() !== '');
        await shot(page, 'inspector-returned', { maxHeight: 1024 });
      } else notes.push('inspector-returned: 没有找到已退回的测评表');
      await context.close();
    }

    console.log('测评员：离线待同步…');
    {
      const context = await newTablet(browser, net.url, PORTRAIT);
      const page = await context.newPage();
      await loginAs(page, 'inspector3');
      await page.waitForSelector('html[data-offline-ready]', { timeout: 60_000 });
      const card = page.locator('.site-card:has(.state-none)').first();
      net.down(true);
      await context.setOffline(true);
      await card.locator('a').click();
      await page.waitForSelector('form.sheet[data-editable="1"]');
      const codes = await page
        .locator('.std')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.code!));
      for (const code of codes.slice(0, 3))
        await page.locator(`.std[data-code="${code}"] .choice.ok`).click();
      await page.waitForFunction(
        () => /待同步/.test(document.getElementById('save-state')?.textContent ?? ''),
        null,
        {
          timeout: 20_000,
        },
      );
      await page.click('.crumbs a');
      await page.waitForSelector('.site-pending', { timeout: 20_000 });
      await shot(page, 'inspector-offline-queue');
      net.down(false);
      await context.setOffline(false);
      await context.close();
    }

    console.log('创城办…');
    {
      const context = await newTablet(browser, url);
      const page = await context.newPage();
      await loginAs(page, 'office');
      await visit(page, '/imports');
      await shot(page, 'office-imports', { maxHeight: 900 });
      await visit(page, '/rounds/new');
      // tall enough to show the 测评方法 choice under the version cards
      await shot(page, 'office-round-new', { maxHeight: 1400 });
      await visit(page, `/rounds/${documentsRound}`);
      await shot(page, 'office-round-documents', { selector: '.task-panel' });
      await visit(page, `/rounds/${openRound}`);
      await shot(page, 'office-round', { maxHeight: 1000 });
      await visit(page, `/rounds/${openRound}/assignments`);
      await shot(page, 'office-assignments', { maxHeight: 900 });
      await visit(page, `/rounds/${openRound}/review`);
      await shot(page, 'office-review', { maxHeight: 900 });
      await visit(page, `/rounds/${published}/results`);
      await shot(page, 'office-ranking', { fullPage: true });
      await visit(page, `/rounds/${published}/results/weak`);
      await shot(page, 'office-weak-spots', { maxHeight: 1150 });
      const community = db
        .prepare("SELECT c.id FROM communities c WHERE c.name = '幸福社区'")
        .pluck()
        .get() as number;
      await visit(page, `/rounds/${published}/results/communities/${community}`);
      await shot(page, 'office-community', { maxHeight: 1100 });
      await visit(page, `/problems?round=${published}`);
      await shot(page, 'office-problems', { maxHeight: 1000 });
      const closed = db.prepare("SELECT id FROM problems WHERE status = 'closed'").pluck().get() as number;
      await visit(page, `/problems/${closed}`);
      await shot(page, 'problem-before-after', { maxHeight: 1000 });
      const requested = db
        .prepare("SELECT id FROM problems WHERE request = 'transfer' AND status = 'open'")
        .pluck()
        .get() as number | undefined;
      if (requested) {
        await visit(page, `/problems/${requested}`);
        await shot(page, 'office-problem-request', { fullPage: true });
      }
      // the two workbooks, downloaded through the app
      const rankings = await page.request.get(`/rounds/${published}/rankings.xlsx`);
      const problems = await page.request.get(`/rounds/${published}/problems.xlsx`);
      if (!rankings.ok() || !problems.ok())
        fail(`下载工作簿失败：${rankings.status()} / ${problems.status()}`);
      await workbookImage(browser, await rankings.body(), 'workbook-rankings', work, {
        pages: 2,
        maxHeight: 900,
      });
      await workbookImage(browser, await problems.body(), 'workbook-problems', work, {
        pages: 1,
        maxHeight: 650,
      });
      await context.close();
    }

    console.log('包联领导与居民（手机）、群众反映与12345（创城办）…');
    {
      const PHONE = { width: 360, height: 640 };
      const context = await newTablet(browser, url, PHONE);
      const page = await context.newPage();
      await loginAs(page, 'leader-xcb');
      await visit(page, '/');
      await shot(page, 'leader-home', { maxHeight: 1300 });
      await visit(page, '/problems/new');
      await shot(page, 'leader-record', { maxHeight: 1300 });
      await context.close();
      // a resident, no account: the district's 随手拍 link, then the status page of a report
      const resident = await newTablet(browser, url, PHONE);
      const phone = await resident.newPage();
      const token = db
        .prepare('SELECT token FROM report_links WHERE community_id IS NULL')
        .pluck()
        .get() as string;
      await visit(phone, `/r/${token}`);
      await shot(phone, 'resident-report', { maxHeight: 1300 });
      const code = db
        .prepare("SELECT code FROM citizen_reports WHERE status = 'accepted' ORDER BY id LIMIT 1")
        .pluck()
        .get() as string;
      await visit(phone, `/r/${token}/status/${code}`);
      await shot(phone, 'resident-status', { maxHeight: 900 });
      await resident.close();
      const desk = await newTablet(browser, url, { width: 1280, height: 800 });
      const office = await desk.newPage();
      await loginAs(office, 'office');
      const waiting = db
        .prepare("SELECT id FROM citizen_reports WHERE status = 'new' ORDER BY id LIMIT 1")
        .pluck()
        .get() as number;
      await visit(office, `/reports/${waiting}`);
      await shot(office, 'office-report-triage', { maxHeight: 1200 });
      await visit(office, '/hotline');
      await shot(office, 'office-hotline', { maxHeight: 900 });
      await visit(office, '/problems?source=inspection');
      await shot(office, 'office-problems-sources', { maxHeight: 800 });
      // reminders (#21): the delivery log (the demo's refused-then-resent 钉钉 messages first), who is keeping up
      await visit(office, '/notifications');
      await shot(office, 'office-notifications', { maxHeight: 900 });
      await visit(office, '/units/standing');
      await shot(office, 'office-unit-standing', { maxHeight: 900 });
      await desk.close();
      // a unit's own contacts and group robot on its phone (the key shortened)
      const unitPhone = await newTablet(browser, url, PHONE);
      const contactsPage = await unitPhone.newPage();
      await loginAs(contactsPage, 'chengguan');
      const cgUnit = db
        .prepare("SELECT unit_id FROM users WHERE username = 'chengguan'")
        .pluck()
        .get() as number;
      await visit(contactsPage, `/units/${cgUnit}/contacts`);
      await shot(contactsPage, 'unit-contacts', { maxHeight: 1300 });
      await unitPhone.close();
    }

    console.log('责任单位…');
    {
      const context = await newTablet(browser, url);
      const page = await context.newPage();
      await loginAs(page, 'chengguan');
      await visit(page, '/problems');
      await shot(page, 'unit-problems', { maxHeight: 900 });
      const unitId = db
        .prepare("SELECT unit_id FROM users WHERE username = 'chengguan'")
        .pluck()
        .get() as number;
      const open = db
        .prepare(
          "SELECT id FROM problems WHERE unit_id = ? AND status = 'open' AND request IS NULL ORDER BY id",
        )
        .pluck()
        .get(unitId) as number;
      await visit(page, `/problems/${open}`);
      await shot(page, 'unit-problem-fix', { fullPage: true });
      await visit(page, '/problems-notice');
      await shot(page, 'unit-notice', { maxHeight: 800 });
      await context.close();
      const context2 = await newTablet(browser, url);
      const page2 = await context2.newPage();
      await loginAs(page2, 'xingfu');
      await visit(page2, `/rounds/${published}/results`);
      await shot(page2, 'unit-results', { maxHeight: 900 });
      await context2.close();
    }
  } finally {
    await browser.close();
    await net.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    booted.close();
    if (process.env.KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
  }
  console.log(`完成：${made.length} 张截图写入 ${OUT}`);
  for (const n of notes) console.log(`注意：${n}`);
}

await main();
