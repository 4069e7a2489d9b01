// On a tablet held upright (768×1024): an inspector opens a site, answers as they go, photographs a
// problem, reloads and finds everything kept, loses the network mid-save and sees the answer arrive
// once it returns, then submits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startApp, type TestApp } from '../helpers/app.ts';
import { launchBrowser, loginAs, screenshot, SHOTS_DIR, tabletContext } from '../helpers/browser.ts';
import { ROOT } from '../helpers/run.ts';
import { roundWithStatus } from '../helpers/ids.ts';

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

const answer = (siteId: number, code: string) =>
  app.booted.db
    .prepare(
      `SELECT a.result, a.cases, a.note FROM answers a JOIN inspections i ON i.id = a.inspection_id
       WHERE i.site_id = ? AND a.standard_code = ? AND i.round_id = ?`,
    )
    .get(siteId, code, roundWithStatus(app.booted.db, 'open')) as
    { result: string; cases: number; note: string } | undefined;

describe('scoring a site on a tablet', () => {
  it('answers, photographs, survives a reload and a dropped network, and submits', async () => {
    const context = await tabletContext(browser, app.url);
    const page = await context.newPage();
    await loginAs(page, 'inspector1');
    const card = page.locator('.site-card .state-none').first().locator('xpath=ancestor::a');
    const siteName = await card.locator('.site-name').textContent();
    await card.click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const siteId = Number(await page.getAttribute('form.sheet', 'data-site'));
    const all = await page
      .locator('.std')
      .evaluateAll((els) =>
        els.map((e) => [(e as HTMLElement).dataset.code!, (e as HTMLElement).dataset.mode!]),
      );
    // the second card worked on is a deduction standard (it has a case-count stepper)
    const ded = all.findIndex(([, mode], i) => i > 0 && mode === 'deduction');
    const codes = [
      all[0]![0]!,
      all[ded]![0]!,
      ...all.filter((_, i) => i !== 0 && i !== ded).map(([c]) => c!),
    ];
    expect(codes.length).toBeGreaterThan(5);
    const std = (code: string) => page.locator(`.std[data-code="${code}"]`);

    await std(codes[0]!).locator('.choice.ok').click();
    const second = std(codes[1]!);
    await second.locator('.choice.fail').click();
    await second.locator('.stepper:has(input[name^="c_"]) button[data-step="1"]').click();
    await second.locator('textarea').fill('楼道内堆放杂物，两处');
    await expect.poll(() => page.textContent('#save-state'), { timeout: 10_000 }).toBe('已保存');
    expect(answer(siteId, codes[1]!)).toEqual({ result: 'fail', cases: 2, note: '楼道内堆放杂物，两处' });
    expect(await page.textContent('#progress')).toBe(`已评 2/${codes.length}`);
    expect(await page.textContent('#live-rate')).toMatch(/^\d+\.\d\d%$/);
    expect(await page.textContent('#sheet-status')).toBe('进行中');

    await second
      .locator('input[type=file]')
      .setInputFiles(join(ROOT, 'tests/fixtures/photos/orientation-portrait_5.jpg'));
    await second.locator('.photo img[src^="/photos/"]').waitFor({ timeout: 15_000 });
    await screenshot(page, 'sheet-portrait');

    await page.reload();
    await page.waitForSelector('form.sheet');
    expect(await std(codes[0]!).locator('input[value=ok]').isChecked()).toBe(true);
    expect(await second.locator('input[value=fail]').isChecked()).toBe(true);
    expect(await second.locator('textarea').inputValue()).toBe('楼道内堆放杂物，两处');
    expect(await second.locator('.photo img').count()).toBe(1);
    expect(await page.textContent('#progress')).toBe(`已评 2/${codes.length}`);

    // the network drops while saving: the answer waits on the device and arrives when it returns
    await context.setOffline(true);
    await std(codes[2]!).locator('.choice.na').click();
    await expect.poll(() => page.textContent('#save-state'), { timeout: 10_000 }).toMatch(/未保存/);
    expect(answer(siteId, codes[2]!)).toBeUndefined();
    await screenshot(page, 'sheet-offline');
    await context.setOffline(false);
    await expect.poll(() => page.textContent('#save-state'), { timeout: 40_000 }).toBe('已保存');
    expect(answer(siteId, codes[2]!)?.result).toBe('na');

    // a graded standard shows its grade as the cases are counted (same code as the server)
    const graded = all.find(([c, mode]) => mode === 'grade' && codes.indexOf(c!) > 2);
    if (graded) {
      const g = std(graded[0]!);
      await g.locator('.choice.fail').click();
      await expect.poll(() => g.locator('.grade').textContent()).toBe('B');
    }

    // answer the rest and submit
    for (const code of codes.slice(3)) await std(code).locator('.choice.ok').click();
    await expect.poll(() => page.textContent('#save-state'), { timeout: 10_000 }).toBe('已保存');
    // asked first, in the page, saying what will happen; then the sheet says it happened
    await page.click('button[formaction$="/submit"]');
    const ask = page.locator('dialog.ask-dialog');
    await ask.waitFor();
    expect(await ask.textContent()).toContain(`“${siteName}”的测评表将交给创城办审核，不能再修改`);
    await page.screenshot({ path: join(SHOTS_DIR, 'sheet-submit-ask-768.png') });
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('submitted') === '1'),
      ask.locator('button[data-answer=yes]').click(),
    ]);
    expect(await page.textContent('#sheet-submitted')).toContain('已提交：测评表已交给创城办审核');
    expect(await page.textContent('#sheet-status')).toBe('已提交');
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('#sheet-submitted a')]);
    const state = page.locator('.site-card', { hasText: siteName! }).locator('.site-state');
    expect(await state.textContent()).toBe('已提交');
    await context.close();
  });

  it('keeps an answer made offline across a reload of the page (it lives on the device until sent)', async () => {
    const context = await tabletContext(browser, app.url, { width: 1024, height: 768 });
    const page = await context.newPage();
    await loginAs(page, 'inspector2');
    await page.locator('.site-card .state-none').first().locator('xpath=ancestor::a').click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const siteId = Number(await page.getAttribute('form.sheet', 'data-site'));
    const code = await page.locator('.std').first().getAttribute('data-code');
    await page.route('**/changes', (route) => route.abort('internetdisconnected'));
    await page.locator(`.std[data-code="${code}"] .choice.fail`).click();
    await expect.poll(() => page.textContent('#save-state'), { timeout: 10_000 }).toMatch(/未保存/);
    await page.unroute('**/changes');
    await page.reload();
    await page.waitForSelector('form.sheet');
    expect(await page.locator(`.std[data-code="${code}"] input[value=fail]`).isChecked()).toBe(true);
    await expect.poll(() => page.textContent('#save-state'), { timeout: 10_000 }).toBe('已保存');
    expect(answer(siteId, code!)?.result).toBe('fail');
    await screenshot(page, 'sheet-landscape');
    await context.close();
  });

  it('keeps the taps made while the sheet is still starting up (the device queue is slow to open)', async () => {
    const context = await tabletContext(browser, app.url);
    // the device's storage answers late, as on a busy tablet: the page shows before its script is ready
    await context.addInitScript(() => {
      const open = indexedDB.open.bind(indexedDB);
      indexedDB.open = (...args: Parameters<IDBFactory['open']>) => {
        const req = open(...args);
        const add = req.addEventListener.bind(req);
        let onsuccess: ((this: IDBRequest, ev: Event) => unknown) | null = null;
        Object.defineProperty(req, 'onsuccess', {
          get: () => onsuccess,
          set: (f) => (onsuccess = f),
        });
        add('success', (ev) => setTimeout(() => onsuccess?.call(req, ev), 1500));
        return req;
      };
    });
    const page = await context.newPage();
    await loginAs(page, 'inspector3');
    await page.locator('.site-card .state-none').first().locator('xpath=ancestor::a').click();
    await page.waitForSelector('form.sheet[data-editable="1"]');
    const siteId = Number(await page.getAttribute('form.sheet', 'data-site'));
    const codes = await page
      .locator('.std')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.code!));
    // tapped at once, before the script has read the device's queue
    await page.locator(`.std[data-code="${codes[0]}"] .choice.ok`).click();
    await page.locator(`.std[data-code="${codes[1]}"] .choice.fail`).click();
    await expect.poll(() => page.textContent('#save-state'), { timeout: 15_000 }).toBe('已保存');
    await expect.poll(() => answer(siteId, codes[0]!)?.result, { timeout: 10_000 }).toBe('ok');
    expect(answer(siteId, codes[1]!)).toMatchObject({ result: 'fail', cases: 1 });
    expect(await page.textContent('#progress')).toBe(`已评 2/${codes.length}`);
    await context.close();
  });
});
