// A tablet with no network at all (768×1024): the inspector opens a sheet the device kept, scores it,
// photographs, reloads, submits, sees "n 条待同步" on My sites, and once the network returns everything
// reaches the database exactly once. Also: an entry the server refuses (the site was reassigned) stays
// on the device with the reason until dismissed; the office's correction wins over offline work and the
// inspector sees mine vs the office's per standard; on plain HTTP the page says offline work is off.
//
// Playwright's offline switch does not stop a service worker's own requests, so the browser reaches
// the app through a small TCP relay that the test takes down with it: offline means the server is
// unreachable for the page and the service worker alike. What arrived is checked in the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Client, DEMO_PASSWORD, startApp, type TestApp } from '../helpers/app.ts';
import { CHROMIUM, launchBrowser, loginAs, screenshot, tabletContext } from '../helpers/browser.ts';
import { ROOT } from '../helpers/run.ts';
import { relay, type Relay } from '../helpers/relay.ts';
import { roundWithStatus, userIdOf } from '../helpers/ids.ts';

let app: TestApp;
let net: Relay;
let browser: Browser;
let roundId: number;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp();
  net = await relay(app.url);
  roundId = roundWithStatus(app.booted.db, 'open');
});
// a failed test must not leave the next one without a network
afterEach(() => net.down(false));
afterAll(async () => {
  await browser?.close();
  await net?.close();
  await app?.destroy();
});

const db = () => app.booted.db;
const answers = (siteId: number) =>
  db()
    .prepare(
      `SELECT a.standard_code AS code, a.result, a.cases, a.note FROM answers a JOIN inspections i ON i.id = a.inspection_id
       WHERE i.round_id = ? AND i.site_id = ? ORDER BY a.standard_code`,
    )
    .all(roundId, siteId) as { code: string; result: string; cases: number; note: string }[];
const photoCount = (siteId: number) =>
  db()
    .prepare(
      `SELECT count(*) FROM photos p JOIN inspections i ON i.id = p.inspection_id
       WHERE i.round_id = ? AND i.site_id = ? AND p.deleted_at IS NULL`,
    )
    .pluck()
    .get(roundId, siteId) as number;
const sheetStatus = (siteId: number) =>
  db()
    .prepare('SELECT status FROM inspections WHERE round_id = ? AND site_id = ?')
    .pluck()
    .get(roundId, siteId);

async function offline(context: BrowserContext, on: boolean): Promise<void> {
  net.down(on);
  await context.setOffline(on);
}

/** Logs in through the relay and waits until My sites says the open round is kept on the device. */
async function readyTablet(username: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await tabletContext(browser, net.url);
  const page = await context.newPage();
  await loginAs(page, username);
  await page.waitForSelector('html[data-offline-ready]', { timeout: 30_000 });
  await expect.poll(() => page.textContent('#offline-bar')).toContain('已可离线使用');
  return { context, page };
}

/** The standards of a sheet page: [code, mode, photo required]. */
async function standardsOn(page: Page): Promise<[string, string, boolean][]> {
  return page.locator('.std').evaluateAll((els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return [d.code!, d.mode!, d.photoRequired === '1'] as [string, string, boolean];
    }),
  );
}

describe('working with no network', () => {
  it('scores, photographs, reloads and submits offline; back online everything arrives exactly once', async () => {
    const { context, page } = await readyTablet('inspector3');
    await screenshot(page, 'offline-home-ready');
    const card = page.locator('.site-card:has(.state-none)').first();
    const siteId = Number(await card.getAttribute('data-site-id'));

    await offline(context, true);
    await card.locator('a').click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const all = await standardsOn(page);
    const [okCode] = all[0]!;
    const [failCode] = all.find(([, mode], i) => i > 0 && mode === 'deduction')!;
    const std = (code: string) => page.locator(`.std[data-code="${code}"]`);
    await std(okCode).locator('.choice.ok').click();
    await std(failCode).locator('.choice.fail').click();
    await std(failCode).locator('textarea').fill('绿化带内垃圾未清理');
    await std(failCode)
      .locator('input[type=file]')
      .setInputFiles(join(ROOT, 'tests/fixtures/photos/orientation-portrait_2.jpg'));
    await expect
      .poll(() => page.textContent('#save-state'), { timeout: 10_000 })
      .toMatch(/已存在本机（\d+ 条待同步）/);
    expect(await page.textContent('#offline-bar')).toContain('离线工作中');
    await screenshot(page, 'offline-sheet');

    // the tab is reloaded with no network: the stored page plus the device's queue
    await page.reload();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    expect(await std(okCode).locator('input[value=ok]').isChecked()).toBe(true);
    expect(await std(failCode).locator('input[value=fail]').isChecked()).toBe(true);
    expect(await std(failCode).locator('textarea').inputValue()).toBe('绿化带内垃圾未清理');
    await expect.poll(() => std(failCode).locator('.photo.queued img').count()).toBe(1);
    expect(await std(failCode).locator('.photo.queued .photo-msg').textContent()).toBe('待同步');
    expect(await page.textContent('#progress')).toBe(`已评 2/${all.length}`);

    // the rest 符合, and submit: it waits on the device too
    for (const [code] of all.slice(1)) if (code !== failCode) await std(code).locator('.choice.ok').click();
    await page.click('button[formaction$="/submit"]');
    await page.locator('dialog.ask-dialog button[data-answer=yes]').click();
    await expect.poll(() => page.textContent('#save-state')).toBe('已提交到本机：恢复网络后自动提交');
    expect(await page.locator('.std input[type=radio]').first().isDisabled()).toBe(true);

    await page.click('.crumbs a');
    const pending = page.locator(`.site-card[data-site-id="${siteId}"] .site-pending`);
    await expect.poll(() => pending.textContent()).toMatch(/^\d+ 条待同步（含提交）$/);
    await screenshot(page, 'offline-home-pending');
    expect(answers(siteId)).toEqual([]);
    expect(photoCount(siteId)).toBe(0);

    await offline(context, false);
    await expect.poll(() => pending.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => sheetStatus(siteId), { timeout: 10_000 }).toBe('submitted');
    const stored = answers(siteId);
    expect(stored.length).toBe(all.length);
    expect(stored.find((a) => a.code === failCode)).toEqual({
      code: failCode,
      result: 'fail',
      cases: 1,
      note: '绿化带内垃圾未清理',
    });
    expect(stored.filter((a) => a.result === 'ok').length).toBe(all.length - 1);
    expect(photoCount(siteId)).toBe(1);
    expect(
      db()
        .prepare(
          "SELECT count(*) FROM audit_log WHERE action = 'sheet.submit' AND round_id = ? AND site_id = ?",
        )
        .pluck()
        .get(roundId, siteId),
    ).toBe(1);
    await page.reload();
    expect(await page.locator(`.site-card[data-site-id="${siteId}"] .site-state`).textContent()).toBe(
      '已提交',
    );

    // logging out removes this inspector's pages and queue from the device
    await page.click('form[action="/logout"] button');
    await page.waitForURL((u) => u.pathname === '/login');
    const left = await page.evaluate(async () => {
      const keys = await caches.keys();
      const db = await new Promise<IDBDatabase>((resolve) => {
        const r = indexedDB.open('cc-offline');
        r.onsuccess = () => resolve(r.result);
      });
      const count = await new Promise<number>((resolve) => {
        const r = db.transaction('queue').objectStore('queue').count();
        r.onsuccess = () => resolve(r.result);
      });
      return { caches: keys.filter((k) => k.startsWith('cc-u')), queue: count };
    });
    expect(left).toEqual({ caches: [], queue: 0 });
    await context.close();
  });

  it('keeps an entry the server refuses (the site was reassigned) with the reason until dismissed', async () => {
    const { context, page } = await readyTablet('inspector4');
    const card = page.locator('.site-card:has(.state-none)').first();
    const siteId = Number(await card.getAttribute('data-site-id'));
    const siteName = (await card.locator('.site-name').textContent())!;
    await offline(context, true);
    await card.locator('a').click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const [code] = (await standardsOn(page))[0]!;
    await page.locator(`.std[data-code="${code}"] .choice.na`).click();
    await expect.poll(() => page.textContent('#offline-bar')).toContain('1 条待同步');
    await page.click('.crumbs a');

    // meanwhile the office gives the site to another inspector
    const office = new Client(app.url);
    await office.login('office');
    await office.get(`/rounds/${roundId}/assignments`);
    const other = userIdOf(db(), 'inspector1');
    await office.post(`/rounds/${roundId}/assignments`, {
      siteId: String(siteId),
      inspectorId: String(other),
    });

    await offline(context, false);
    const notice = page.locator('#offline-notices .offline-refused');
    await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(1);
    expect(await notice.textContent()).toContain(`${siteName}：答案（${code} 不适用）未能同步。`);
    expect(await notice.locator('.reason').textContent()).toBe('原因：该点位未分配给您');
    expect(answers(siteId)).toEqual([]);
    await page.reload();
    await expect.poll(() => page.locator('#offline-notices .offline-refused').count()).toBe(1);
    await expect.poll(() => page.textContent('#offline-bar')).toContain('1 条未能同步');
    await screenshot(page, 'offline-refused');
    // logging out keeps it on the device: the inspector is told so first (and here stays)
    await page.click('form[action="/logout"] button');
    const ask = page.locator('dialog.ask-dialog');
    await ask.waitFor();
    expect(await ask.textContent()).toContain(
      '本机还有 1 条内容没有同步到服务器。退出后它们仍保留在这台设备上',
    );
    await ask.locator('button[data-answer=no]').click();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('#offline-notices .offline-refused').count()).toBe(1);
    await page.click('#offline-notices .offline-refused button');
    await expect.poll(() => page.locator('#offline-notices .offline-refused').count()).toBe(0);
    await page.reload();
    await page.waitForSelector('html[data-offline-ready]');
    expect(await page.locator('#offline-notices > *').count()).toBe(0);
    await context.close();
  });

  it("shows mine vs the office's per standard when the office corrected the sheet meanwhile", async () => {
    const { context, page } = await readyTablet('inspector2');
    const card = page.locator('.site-card:has(.state-none)').first();
    const siteId = Number(await card.getAttribute('data-site-id'));
    // the sheet is filled (say on another tablet) before this one goes out of reach
    const other = new Client(app.url);
    await other.login('inspector2');
    await other.get('/');
    await card.locator('a').click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const all = await standardsOn(page);
    const api = `/api/rounds/${roundId}/sites/${siteId}`;
    const filled = await other.postJson(`${api}/changes`, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: all.map(([code]) => ({ standard: code, result: 'ok', cases: 0, note: '' })),
    });
    expect(filled.status).toBe(200);
    await page.reload();
    await page.waitForSelector('form.sheet[data-editable="1"]');

    const [a] = all.find(([, mode]) => mode === 'deduction')!;
    const [b] = all.find(([c, mode]) => c !== a && mode === 'deduction')!;
    await offline(context, true);
    await page.locator(`.std[data-code="${a}"] .choice.na`).click();
    await page.locator(`.std[data-code="${b}"] .choice.fail`).click();
    await page.locator(`.std[data-code="${b}"] textarea`).fill('我的备注');
    await expect.poll(() => page.textContent('#offline-bar')).toMatch(/[12] 条待同步/);

    // meanwhile: submitted from the other tablet, corrected and returned by the office
    expect((await other.postJson(`${api}/submit`, { submitId: randomUUID(), baseRevision: 1 })).status).toBe(
      200,
    );
    const office = new Client(app.url);
    await office.login('office');
    await office.get(`/rounds/${roundId}/sites/${siteId}`);
    await office.post(`/rounds/${roundId}/sites/${siteId}/correct`, {
      standard: a,
      result: 'fail',
      cases: '3',
      fixedCases: '0',
      note: '复核：三处',
      reason: '复核',
    });
    await office.post(`/rounds/${roundId}/sites/${siteId}/return`, { reason: '请核对' });

    await offline(context, false);
    const box = page.locator('#offline-notices .offline-conflict');
    await expect.poll(() => box.count(), { timeout: 30_000 }).toBe(1);
    const row = box.locator('tr', { hasText: a });
    expect(await row.locator('.mine').textContent()).toBe('不适用');
    expect(await row.locator('.office').textContent()).toBe('不符合 3 处；复核：三处');
    expect(await box.textContent()).toContain('创城办退回原因：请核对');
    // the office's version is on the sheet and in the database; my other change went through
    // (the sheet takes the server's state just after the notice shows: wait for it, as the inspector would)
    await expect
      .poll(() => page.locator(`.std[data-code="${a}"] input[value=fail]`).isChecked(), { timeout: 10_000 })
      .toBe(true);
    expect(answers(siteId).find((x) => x.code === a)).toMatchObject({ result: 'fail', cases: 3 });
    expect(answers(siteId).find((x) => x.code === b)?.note).toBe('我的备注');
    await screenshot(page, 'offline-conflict');
    await page.reload();
    await expect.poll(() => page.locator('#offline-notices .offline-conflict').count()).toBe(1);
    await page.click('#offline-notices .offline-conflict button');
    await expect.poll(() => page.locator('#offline-notices .offline-conflict').count()).toBe(0);
    await context.close();
  });

  it('waits for a new login when the session expired meanwhile, then sends what the device kept', async () => {
    const { context, page } = await readyTablet('inspector1');
    const card = page.locator('.site-card:has(.state-none)').first();
    const siteId = Number(await card.getAttribute('data-site-id'));
    await card.locator('a').click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const [code] = (await standardsOn(page))[0]!;
    await offline(context, true);
    await page.locator(`.std[data-code="${code}"] .choice.ok`).click();
    await expect.poll(() => page.textContent('#offline-bar')).toContain('1 条待同步');

    db().prepare('DELETE FROM sessions').run();
    await offline(context, false);
    const bar = page.locator('#offline-bar');
    await expect.poll(() => bar.getAttribute('data-state'), { timeout: 30_000 }).toBe('login');
    expect(await bar.textContent()).toContain(
      '登录已过期：请重新登录。待同步的内容保存在本机，登录后自动同步。',
    );
    expect(await page.textContent('#save-state')).toMatch(/登录已过期/);
    expect(answers(siteId)).toEqual([]);

    await bar.locator('a', { hasText: '重新登录' }).click();
    await page.fill('input[name=username]', 'inspector1');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === `/rounds/${roundId}/sites/${siteId}`);
    await expect
      .poll(() => answers(siteId), { timeout: 30_000 })
      .toEqual([{ code, result: 'ok', cases: 0, note: '' }]);
    await expect.poll(() => page.textContent('#save-state')).toBe('已保存');
    await context.close();
  });

  it('says on plain HTTP that offline work is off and HTTPS is needed', async () => {
    // a LAN name instead of 127.0.0.1: not a secure context, like a tablet at http://192.168.x.x
    const lan = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP tablet.lan 127.0.0.1'],
    });
    try {
      const context = await tabletContext(lan, app.url.replace('127.0.0.1', 'tablet.lan'));
      const page = await context.newPage();
      await loginAs(page, 'inspector1');
      expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
      const bar = page.locator('#offline-bar');
      await expect.poll(() => bar.getAttribute('data-state')).toBe('insecure');
      expect(await bar.textContent()).toContain('离线功能未开启');
      expect(await bar.textContent()).toContain('HTTPS');
      await screenshot(page, 'offline-plain-http');
    } finally {
      await lan.close();
    }
  });
});
