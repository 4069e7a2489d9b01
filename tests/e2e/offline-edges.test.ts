// The tablet at the edges of the network (768×1024), done as the inspectors did it: logging out in a
// dead spot, two tablets of one inspector, a sheet submitted elsewhere meanwhile, two inspectors on
// one tablet, a queue left by the previous version of the page, the network coming back after a long
// cut, and My sites following the sync. The network is cut at the TCP level (tests/helpers/relay.ts),
// so the page and its service worker lose the server alike; what arrived is read from the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { launchBrowser, loginAs, screenshot, tabletContext } from '../helpers/browser.ts';
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
afterEach(() => net.down(false));
afterAll(async () => {
  await browser?.close();
  await net?.close();
  await app?.destroy();
});

const db = () => app.booted.db;
const answer = (siteId: number, code: string) =>
  db()
    .prepare(
      `SELECT a.result, a.cases, a.note FROM answers a JOIN inspections i ON i.id = a.inspection_id
       WHERE i.round_id = ? AND i.site_id = ? AND a.standard_code = ?`,
    )
    .get(roundId, siteId, code) as { result: string; cases: number; note: string } | undefined;
const userKey = (username: string) => `u${String(userIdOf(db(), username))}`;

async function offline(context: BrowserContext, on: boolean): Promise<void> {
  net.down(on);
  await context.setOffline(on);
}

async function readyTablet(username: string, context?: BrowserContext) {
  context ??= await tabletContext(browser, net.url);
  const page = await context.newPage();
  await loginAs(page, username);
  await page.waitForSelector('html[data-offline-ready]', { timeout: 30_000 });
  return { context, page };
}

/** The first untouched site on My sites, opened: its id and its standards [code, mode]. */
async function openFresh(page: Page, skip: number[] = []) {
  const cards = page.locator('.site-card:has(.state-none)');
  let i = 0;
  while (skip.includes(Number(await cards.nth(i).getAttribute('data-site-id')))) i++;
  const card = cards.nth(i);
  const siteId = Number(await card.getAttribute('data-site-id'));
  await card.locator('a').click();
  await page.waitForSelector('form.sheet[data-editable="1"]');
  const all = await page
    .locator('.std')
    .evaluateAll((els) =>
      els.map(
        (e) => [(e as HTMLElement).dataset.code!, (e as HTMLElement).dataset.mode!] as [string, string],
      ),
    );
  return { siteId, all, std: (code: string) => page.locator(`.std[data-code="${code}"]`) };
}

/** This user's entries in the device's queue (read straight from IndexedDB). */
function queued(page: Page, user: string): Promise<number> {
  return page.evaluate(async (u) => {
    const idb = await new Promise<IDBDatabase>((resolve) => {
      const r = indexedDB.open('cc-offline');
      r.onsuccess = () => resolve(r.result);
    });
    return new Promise<number>((resolve) => {
      const r = idb.transaction('queue').objectStore('queue').index('user').count(u);
      r.onsuccess = () => resolve(r.result);
    });
  }, user);
}

describe('the tablet at the edges of the network', () => {
  it('logs out in a dead spot only once the server confirms, and never deletes unsent work', async () => {
    const { context, page } = await readyTablet('inspector1');
    const me = userKey('inspector1');
    const { siteId, all, std } = await openFresh(page);
    const [code] = all[0]!;
    await offline(context, true);
    await std(code).locator('.choice.ok').click();
    await expect.poll(() => page.textContent('#offline-bar')).toContain('1 条待同步');

    // 退出 with no network: told so, nothing deleted, the session lives on on the server
    const sessions = db().prepare('SELECT count(*) FROM sessions').pluck().get() as number;
    await page.click('form[action="/logout"] button');
    await page.locator('dialog.ask-dialog', { hasText: '本机还有 1 条内容没有同步到服务器' }).waitFor();
    await page.locator('dialog.ask-dialog button[data-answer=yes]').click();
    const told = page.locator('dialog.ask-dialog', { hasText: '没有退出登录' });
    await told.waitFor();
    expect(await told.textContent()).toContain('本机的内容都还在，没有删除');
    await page.screenshot({ path: '.tmp/screenshots/offline-logout-dead-spot.png' });
    await told.locator('button').click();
    expect(new URL(page.url()).pathname).toBe(`/rounds/${roundId}/sites/${siteId}`);
    expect(await queued(page, me)).toBe(1);
    expect(db().prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(sessions);

    // back online: the answer is sent first, then the logout goes through and removes the pages
    await offline(context, false);
    await expect.poll(() => answer(siteId, code)?.result, { timeout: 20_000 }).toBe('ok');
    await page.click('form[action="/logout"] button');
    await page.waitForURL((u) => u.pathname === '/login');
    expect(await queued(page, me)).toBe(0);
    expect((await page.evaluate(() => caches.keys())).filter((k) => k.startsWith('cc-u'))).toEqual([]);
    await context.close();
  });

  it("on a shared tablet keeps one inspector's unsent work from the next one, and sends it when they return", async () => {
    const { context, page } = await readyTablet('inspector3');
    const a = userKey('inspector3');
    const { siteId, all, std } = await openFresh(page);
    const [code] = all[0]!;
    await offline(context, true);
    await std(code).locator('.choice.na').click();
    await expect.poll(() => page.textContent('#offline-bar')).toContain('1 条待同步');
    // inspector3's session ends while away (expired); inspector4 logs in on the same tablet
    db().prepare('DELETE FROM sessions').run();
    await offline(context, false);
    await loginAs(page, 'inspector4');
    await page.waitForSelector('html[data-offline-ready]', { timeout: 30_000 });
    await page.waitForTimeout(3000);
    // nothing of inspector3's is shown to inspector4, nor sent under inspector4's session
    expect(await page.textContent('#offline-bar')).not.toContain('待同步');
    expect(await page.locator('.site-pending').count()).toBe(0);
    expect(answer(siteId, code)).toBeUndefined();
    expect(await queued(page, a)).toBe(1);
    await screenshot(page, 'offline-shared-tablet-other-user');

    // inspector4 logs out (nothing of theirs waits), inspector3 logs in again: the answer arrives
    await page.click('form[action="/logout"] button');
    await page.waitForURL((u) => u.pathname === '/login');
    expect(await queued(page, a)).toBe(1);
    await loginAs(page, 'inspector3');
    await expect.poll(() => answer(siteId, code)?.result, { timeout: 20_000 }).toBe('na');
    await expect.poll(() => queued(page, a)).toBe(0);
    await context.close();
  });

  it('shows both values when the same inspector changed an answer on another tablet, and lets them choose', async () => {
    const { context, page } = await readyTablet('inspector2');
    const { siteId, all, std } = await openFresh(page);
    const [x] = all.find(([, mode]) => mode === 'deduction')!;
    await std(x).locator('.choice.ok').click();
    await expect.poll(() => answer(siteId, x)?.result, { timeout: 15_000 }).toBe('ok');
    await expect.poll(() => page.textContent('#save-state')).toBe('已保存');

    await offline(context, true);
    await std(x).locator('.choice.na').click();
    await expect.poll(() => page.textContent('#offline-bar')).toContain('1 条待同步');
    // the other tablet, online, saves 不符合 2 处 for the same standard
    const other = new Client(app.url);
    await other.login('inspector2');
    const revision = db()
      .prepare('SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?')
      .pluck()
      .get(roundId, siteId) as number;
    const r = await other.postJson(`/api/rounds/${roundId}/sites/${siteId}/changes`, {
      batchId: randomUUID(),
      baseRevision: revision,
      changes: [{ standard: x, result: 'fail', cases: 2, note: '另一台平板' }],
    });
    expect(r.status).toBe(200);

    // back online: the conflict is kept, and the sheet reloads to show the server's answers
    const reloaded = page.waitForEvent('load', { timeout: 30_000 });
    await offline(context, false);
    await reloaded;
    const box = page.locator('#offline-notices .offline-conflict');
    await expect.poll(() => box.count(), { timeout: 30_000 }).toBe(1);
    expect(await std(x).locator('input[value=fail]').isChecked()).toBe(true);
    // nothing overwritten behind the inspector's back
    expect(answer(siteId, x)).toEqual({ result: 'fail', cases: 2, note: '另一台平板' });
    expect(await box.textContent()).toContain('服务器上的（您在另一台设备上保存）');
    const row = box.locator('tr', { hasText: x });
    expect(await row.locator('.mine').textContent()).toBe('不适用');
    expect(await row.locator('.office').textContent()).toBe('不符合 2 处；另一台平板');
    await page.screenshot({ path: '.tmp/screenshots/offline-two-devices-conflict.png' });
    await row.locator('button.use-mine').click();
    await expect.poll(() => answer(siteId, x)?.result, { timeout: 20_000 }).toBe('na');
    await expect.poll(() => box.count()).toBe(0);
    await context.close();
  });

  it("shows the server's state and why, when the sheet was submitted elsewhere meanwhile", async () => {
    const { context, page } = await readyTablet('inspector2');
    const { siteId, all, std } = await openFresh(page);
    const api = `/api/rounds/${roundId}/sites/${siteId}`;
    const other = new Client(app.url);
    await other.login('inspector2');
    // the sheet is filled and submitted from another tablet while this one is out of reach
    await offline(context, true);
    await std(all[0]![0]).locator('.choice.na').click();
    await std(all[0]![0]).locator('textarea').fill('本机的备注');
    await expect.poll(() => page.textContent('#offline-bar')).toMatch(/\d 条待同步/);
    const filled = await other.postJson(`${api}/changes`, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: all.map(([code]) => ({ standard: code, result: 'ok', cases: 0, note: '' })),
    });
    expect(filled.status).toBe(200);
    expect((await other.postJson(`${api}/submit`, { submitId: randomUUID(), baseRevision: 1 })).status).toBe(
      200,
    );

    await offline(context, false);
    await page.waitForSelector('form.sheet[data-editable="0"]', { timeout: 30_000 });
    const notice = page.locator('#offline-notices .offline-refused');
    await expect.poll(() => notice.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await notice.first().textContent()).toContain('该点位测评表已提交，不能再修改');
    expect(await notice.first().textContent()).toContain('页面上显示的是服务器上保存的内容');
    expect(await page.textContent('#sheet-status')).toBe('已提交');
    expect(await std(all[0]![0]).locator('input[value=ok]').isChecked()).toBe(true);
    expect(await std(all[0]![0]).locator('input[value=ok]').isDisabled()).toBe(true);
    expect(answer(siteId, all[0]![0])?.note).toBe('');
    await screenshot(page, 'offline-moved-on');
    await context.close();
  });

  it('sends the batches the previous version of the page left in the queue, one refused answer apart', async () => {
    const { context, page } = await readyTablet('inspector4');
    const me = userKey('inspector4');
    const { siteId, all } = await openFresh(page);
    const [ok] = all[0]!;
    const [bad] = all.find(([c, mode]) => c !== ok && mode === 'deduction')!;
    // the entry goes in from a page of ours without scripts: a page running the offline layer
    // (My sites) could pick it up and send it while being left, after the next page was rendered
    await page.goto('/api/session');
    // the previous page's queue entry, as it stored it: a 0-case 不符合 beside a good answer
    await page.evaluate(
      async ({ user, round, site, ok, bad }) => {
        const idb = await new Promise<IDBDatabase>((resolve) => {
          const r = indexedDB.open('cc-offline');
          r.onsuccess = () => resolve(r.result);
        });
        await new Promise<void>((resolve) => {
          const tx = idb.transaction('queue', 'readwrite');
          tx.objectStore('queue').add({
            kind: 'changes',
            user,
            round,
            site,
            siteName: '旧版页面',
            createdAt: Date.now(),
            batchId: '0123456789abcdef0123456789abcdef',
            baseRevision: 0,
            changes: [
              { standard: ok, result: 'ok', cases: 0, fixedCases: 0, note: '' },
              { standard: bad, result: 'fail', cases: 0, fixedCases: 0, note: '旧页面' },
            ],
          });
          tx.oncomplete = () => resolve();
        });
      },
      { user: me, round: roundId, site: siteId, ok, bad },
    );
    await page.goto('/');
    await expect.poll(() => answer(siteId, ok)?.result, { timeout: 20_000 }).toBe('ok');
    expect(answer(siteId, bad)).toBeUndefined();
    const refused = page.locator('#offline-notices .offline-refused');
    await expect.poll(() => refused.count(), { timeout: 10_000 }).toBe(1);
    expect(await refused.textContent()).toContain(`标准 ${bad}：选择“不符合”时至少记录1处问题`);
    // My sites' card followed the sync without a reload
    const state = page.locator(`.site-card[data-site-id="${siteId}"] .site-state`);
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe(`进行中 1/${all.length}`);
    await screenshot(page, 'offline-upgrade-queue');
    await context.close();
  });

  it("brings a card of My sites' stored copy up to date once online, when the tablet had sent more since", async () => {
    const { context, page } = await readyTablet('inspector3');
    const me = userKey('inspector3');
    const { siteId, all, std } = await openFresh(page);
    const [code] = all[0]!;
    await std(code).locator('.choice.ok').click();
    await expect.poll(() => answer(siteId, code)?.result, { timeout: 20_000 }).toBe('ok');
    await expect.poll(() => queued(page, me), { timeout: 10_000 }).toBe(0);
    // out of reach, My sites is the device's stored copy, made before this answer; nothing is left to sync
    await offline(context, true);
    await page.click('.crumbs a');
    const state = page.locator(`.site-card[data-site-id="${siteId}"] .site-state`);
    await expect.poll(() => page.textContent('#offline-bar'), { timeout: 10_000 }).toContain('离线工作中');
    expect(await state.textContent()).toBe('未开始');
    await offline(context, false);
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe(`进行中 1/${all.length}`);
    await context.close();
  });

  it('resumes within seconds once the network returns after a long cut, and updates My sites', async () => {
    const { context, page } = await readyTablet('inspector1');
    const { siteId, all, std } = await openFresh(page);
    const [code] = all[0]!;
    // the server is unreachable but the tablet thinks it is online (a dead Wi-Fi): retries back off
    net.down(true);
    await std(code).locator('.choice.ok').click();
    await page.click('.crumbs a');
    const card = page.locator(`.site-card[data-site-id="${siteId}"]`);
    await expect.poll(() => card.locator('.site-pending').count(), { timeout: 15_000 }).toBe(1);
    expect(await card.locator('.site-state').textContent()).toBe('未开始');
    // long enough for the backoff (1 s doubling) to have reached its 8 s ceiling and waited at it twice
    // (src/client/sync.ts MAX_BACKOFF): a longer cut changes nothing more
    await page.waitForTimeout(25_000);
    net.down(false);
    const back = Date.now();
    await expect.poll(() => answer(siteId, code)?.result, { timeout: 12_000 }).toBe('ok');
    expect(Date.now() - back).toBeLessThan(10_000);
    await expect
      .poll(() => card.locator('.site-state').textContent(), { timeout: 10_000 })
      .toBe(`进行中 1/${all.length}`);
    await context.close();
  }, 150_000);
});
