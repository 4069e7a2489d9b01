// The sheet on a tablet, at the edges an inspector hit on a first real day: a 不符合 taken down to
// 0 cases, the "还不能提交" panel that stayed after everything was fixed, a note box only for 不符合,
// a note left unchanged that still sent a save, an iPhone HEIC that counted as the photo a 不符合
// needs, and a photo deleted with one tap. Each is done as the inspector did it; what the server kept
// is read from the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startApp, type TestApp } from '../helpers/app.ts';
import {
  launchBrowser,
  loginAs,
  screenshot,
  SHOTS_DIR,
  tabletContext,
  TABLET_LANDSCAPE,
  TABLET_PORTRAIT,
} from '../helpers/browser.ts';
import { ROOT } from '../helpers/run.ts';
import { roundWithStatus } from '../helpers/ids.ts';

let app: TestApp;
let browser: Browser;
let roundId: number;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp();
  roundId = roundWithStatus(app.booted.db, 'open');
});
afterAll(async () => {
  await browser?.close();
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
const revision = (siteId: number) =>
  (db()
    .prepare('SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?')
    .pluck()
    .get(roundId, siteId) as number | undefined) ?? 0;
const photoCount = (siteId: number) =>
  db()
    .prepare(
      `SELECT count(*) FROM photos p JOIN inspections i ON i.id = p.inspection_id
       WHERE i.round_id = ? AND i.site_id = ? AND p.deleted_at IS NULL`,
    )
    .pluck()
    .get(roundId, siteId) as number;

/** Opens the first untouched site of this inspector; returns its id and its standards [code, mode, photo]. */
async function openFreshSheet(page: Page, username: string) {
  await loginAs(page, username);
  await page.locator('.site-card .state-none').first().locator('xpath=ancestor::a').click();
  await page.waitForSelector('form.sheet[data-editable="1"]');
  const siteId = Number(await page.getAttribute('form.sheet', 'data-site'));
  const all = await page.locator('.std').evaluateAll((els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return [d.code!, d.mode!, d.photoRequired === '1'] as [string, string, boolean];
    }),
  );
  return { siteId, all, std: (code: string) => page.locator(`.std[data-code="${code}"]`) };
}

/** What the inspector sees on the screen (a dialog sits on the viewport), upright and turned. */
async function viewShots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS_DIR, `${name}-768.png`) });
  await page.setViewportSize(TABLET_LANDSCAPE);
  await page.screenshot({ path: join(SHOTS_DIR, `${name}-1024.png`) });
  await page.setViewportSize(TABLET_PORTRAIT);
}

const saved = (page: Page) =>
  expect.poll(() => page.textContent('#save-state'), { timeout: 15_000 }).toBe('已保存');

describe('the sheet at its edges', () => {
  it('never produces a 不符合 with 0 cases: − stops at 1, a typed 0 is raised to 1 and said', async () => {
    const context = await tabletContext(browser, app.url);
    const page = await context.newPage();
    const { siteId, all, std } = await openFreshSheet(page, 'inspector1');
    const [code] = all.find(([, mode]) => mode === 'deduction')!;
    const [other] = all.find(([c]) => c !== code)!;
    const card = std(code);
    const cases = card.locator(`input[name="c_${code}"]`);
    await card.locator('.choice.fail').click();
    expect(await cases.inputValue()).toBe('1');
    await card.locator('.stepper:has(input[name^="c_"]) button[data-step="-1"]').click();
    await card.locator('.stepper:has(input[name^="c_"]) button[data-step="-1"]').click();
    expect(await cases.inputValue()).toBe('1');
    // typed: 0 then leaves the box
    await cases.fill('0');
    await cases.press('Tab');
    expect(await cases.inputValue()).toBe('1');
    expect(await card.locator('.std-error').textContent()).toBe('“不符合”至少记录 1 处问题，已改为 1');
    await std(code).scrollIntoViewIfNeeded();
    await viewShots(page, 'sheet-zero-cases');
    // the other answer of the same moment goes through with it
    await std(other).locator('.choice.ok').click();
    await saved(page);
    expect(answer(siteId, code)).toMatchObject({ result: 'fail', cases: 1 });
    expect(answer(siteId, other)?.result).toBe('ok');
    await context.close();
  });

  it('shows the note box for 符合 and 不适用 too, and sends nothing for a note left as it was', async () => {
    const context = await tabletContext(browser, app.url, TABLET_LANDSCAPE);
    const page = await context.newPage();
    const { siteId, all, std } = await openFreshSheet(page, 'inspector2');
    const [okCode] = all[0]!;
    const [naCode] = all[1]!;
    await std(okCode).locator('.choice.ok').click();
    await std(naCode).locator('.choice.na').click();
    expect(await std(okCode).locator('textarea').isVisible()).toBe(true);
    expect(await std(naCode).locator('textarea').isVisible()).toBe(true);
    expect(await std(okCode).locator('.stepper').first().isVisible()).toBe(false);
    await std(naCode).locator('textarea').fill('小区无此设施');
    await saved(page);
    expect(answer(siteId, naCode)).toEqual({ result: 'na', cases: 0, note: '小区无此设施' });
    await screenshot(page, 'sheet-note-for-na');

    // the note is touched and left as it was: no save, no new revision
    const before = revision(siteId);
    const note = std(naCode).locator('textarea');
    await note.click();
    await note.press('End');
    await note.type('x');
    await note.press('Backspace');
    await std(okCode).locator('.std-text').click();
    await page.waitForTimeout(1500);
    await saved(page);
    expect(revision(siteId)).toBe(before);
    await context.close();
  });

  it('refuses an iPhone HEIC when it is picked, with the advice, and does not count it as the photo', async () => {
    const context = await tabletContext(browser, app.url);
    const page = await context.newPage();
    const { siteId, all, std } = await openFreshSheet(page, 'inspector3');
    const [code] = all.find(([, mode, photo]) => photo && mode === 'deduction')!;
    await std(code).locator('.choice.fail').click();
    await std(code)
      .locator('input[type=file]')
      .setInputFiles(join(ROOT, 'tests/fixtures/photos/heic-IMG_5195.HEIC'));
    const rejected = std(code).locator('.photo.rejected');
    await rejected.waitFor();
    expect(await rejected.textContent()).toContain('不支持 HEIC/HEIF 格式');
    expect(await rejected.textContent()).toContain('兼容性最佳');
    expect(await rejected.locator('img').count()).toBe(0);
    await saved(page);
    expect(await page.textContent('#offline-bar')).not.toContain('待同步');
    await std(code).locator('.photo.rejected').scrollIntoViewIfNeeded();
    await viewShots(page, 'sheet-heic-refused');
    // not counted: submitting says the photo is still missing
    for (const [c] of all) if (c !== code) await std(c).locator('.choice.ok').click();
    await saved(page);
    await page.click('button[formaction$="/submit"]');
    const panel = page.locator('#sheet-alert');
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await panel.textContent()).toContain('还不能提交：1 条标准需要处理');
    expect(await panel.textContent()).toContain('不符合但缺少照片');
    expect(photoCount(siteId)).toBe(0);
    await context.close();
  });

  it('takes the "还不能提交" panel away as soon as nothing blocks, and asks before deleting a photo', async () => {
    const context = await tabletContext(browser, app.url);
    const page = await context.newPage();
    const { siteId, all, std } = await openFreshSheet(page, 'inspector4');
    const [photoCode] = all.find(([, mode, photo]) => photo && mode === 'deduction')!;
    await std(photoCode).locator('.choice.fail').click();
    await saved(page);
    await page.click('button[formaction$="/submit"]');
    const panel = page.locator('#sheet-alert');
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await panel.textContent()).toContain(`还不能提交：${all.length} 条标准需要处理`);
    await viewShots(page, 'sheet-blockers');
    // each fix shortens the list
    const rest = all.filter(([c]) => c !== photoCode);
    await std(rest[0]![0]).locator('.choice.ok').click();
    expect(await panel.textContent()).toContain(`还不能提交：${all.length - 1} 条标准需要处理`);
    for (const [c] of rest.slice(1)) await std(c).locator('.choice.ok').click();
    expect(await panel.textContent()).toContain('还不能提交：1 条标准需要处理');
    await std(photoCode)
      .locator('input[type=file]')
      .setInputFiles(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
    await expect.poll(() => panel.isVisible()).toBe(false);
    await expect.poll(() => page.locator('#announce').textContent()).toContain('现在可以提交');
    await std(photoCode).locator('.photo img[src^="/photos/"]').waitFor({ timeout: 15_000 });
    expect(photoCount(siteId)).toBe(1);

    // 删除 asks first, saying what will happen; 取消 keeps the photo
    await std(photoCode).locator('button[data-delete-photo]').click();
    const ask = page.locator('dialog.ask-dialog');
    await ask.waitFor();
    expect(await ask.textContent()).toContain(`照片将从标准 ${photoCode} 的证据中移除`);
    await viewShots(page, 'sheet-delete-photo-ask');
    await ask.locator('button[data-answer=no]').click();
    expect(photoCount(siteId)).toBe(1);
    await std(photoCode).locator('button[data-delete-photo]').click();
    await ask.locator('button[data-answer=yes]').click();
    await expect.poll(() => photoCount(siteId)).toBe(0);
    // the server's row goes before the page hears back: wait for the page, not the database
    await expect
      .poll(() => page.locator('#announce').textContent())
      .toContain(`已删除标准 ${photoCode} 的一张照片`);
    expect(await std(photoCode).locator('.photo').count()).toBe(0);
    await context.close();
  });
});
