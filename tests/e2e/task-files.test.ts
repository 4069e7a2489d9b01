// A 社区 unit's 材料任务 in Chromium, on a phone (360×640) and a tablet: the list, a task's page, uploading
// a PDF through the page's own form (no script needed), an HTML page renamed .pdf refused with its message,
// the PDF opening in the browser's own PDF viewer under the policy it is served with (its page count
// shown, not a download, not an error), and a .docx downloading as an attachment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { startApp, type TestApp } from '../helpers/app.ts';
import { TABLET_PORTRAIT, launchBrowser, loginAs, screenshot } from '../helpers/browser.ts';
import { docx, openDocumentRound, tasksOfUser, validPdf } from '../helpers/documents.ts';
import type { DocumentTaskRow } from '../../src/db/repos/document-tasks.ts';

let app: TestApp;
let browser: Browser;
let task: DocumentTaskRow;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp();
  const roundId = openDocumentRound(app.booted, '材料任务测试轮次');
  task = tasksOfUser(app.booted, roundId, 'xingfu').find((t) => t.standard_code === 'A01-D2')!;
});
afterAll(async () => {
  await browser?.close();
  await app?.destroy();
});

const PHONE = { width: 360, height: 640 };

async function unitPage(viewport = PHONE): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: app.url,
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  await loginAs(page, 'xingfu');
  return { context, page };
}

/** The page count Chromium's PDF viewer shows for the document open in `page` ('' while it has none). */
async function viewerPageCount(page: Page): Promise<string> {
  const viewer: Frame | undefined = page.frames().find((f) => f.url().startsWith('chrome-extension://'));
  if (!viewer) return '';
  return (
    (await viewer
      .locator('#pagelength')
      .textContent({ timeout: 1000 })
      .catch(() => '')) ?? ''
  ).trim();
}

describe('a unit’s task on a phone', () => {
  it('lists the tasks and takes a PDF through the page’s form', async () => {
    const { context, page } = await unitPage();
    await page.goto('/tasks');
    await expect.poll(() => page.locator(`a[href="/tasks/${task.id}"]`).count()).toBe(1);
    await screenshot(page, 'tasks-list-phone');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(wide).toBeLessThanOrEqual(PHONE.width + 1);
    await page.click(`a[href="/tasks/${task.id}"]`);
    await page.setInputFiles('#upload input[type=file]', {
      name: '志愿服务记录.pdf',
      mimeType: 'application/pdf',
      buffer: validPdf('Volunteer service records 2026'),
    });
    await Promise.all([page.waitForURL(`**/tasks/${task.id}`), page.click('#upload button[type=submit]')]);
    await expect
      .poll(() => page.locator('.file-row .file-name').allTextContents())
      .toEqual(['志愿服务记录.pdf']);
    await screenshot(page, 'task-page-phone');
    await context.close();
  });

  it('refuses an HTML page renamed .pdf, with the message on the page', async () => {
    const { context, page } = await unitPage();
    await page.goto(`/tasks/${task.id}`);
    await page.setInputFiles('#upload input[type=file]', {
      name: '通知.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('<html><body><script>alert(1)</script></body></html>'),
    });
    await page.click('#upload button[type=submit]');
    await expect
      .poll(() => page.locator('#upload .alert.error').textContent())
      .toContain('PDF 文件已损坏或不完整');
    expect(await page.locator('.file-row').count()).toBe(1);
    await screenshot(page, 'task-upload-refused-phone');
    await context.close();
  });
});

describe('opening files', () => {
  it('a PDF opens in Chromium’s own viewer', async () => {
    const { context, page } = await unitPage({ width: 1280, height: 800 });
    const href = await (async () => {
      await page.goto(`/tasks/${task.id}`);
      return page.locator('.file-row a', { hasText: '查看' }).first().getAttribute('href');
    })();
    expect(href).toMatch(/^\/documents\/\d+$/);
    const response = await page.goto(href!);
    expect(response!.headers()['content-type']).toBe('application/pdf');
    await expect.poll(() => viewerPageCount(page), { timeout: 20_000 }).toBe('1');
    await page.waitForTimeout(500);
    await screenshot(page, 'task-pdf-viewer');

    await context.close();
  });

  it('a .docx downloads as an attachment', async () => {
    const { context, page } = await unitPage(TABLET_PORTRAIT);
    await page.goto(`/tasks/${task.id}`);
    await page.setInputFiles('#upload input[type=file]', {
      name: '情况说明.docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      buffer: docx(),
    });
    await Promise.all([page.waitForURL(`**/tasks/${task.id}`), page.click('#upload button[type=submit]')]);
    await screenshot(page, 'task-page-tablet');
    const row = page.locator('.file-row', { hasText: '情况说明.docx' });
    expect(await row.locator('a', { hasText: '查看' }).count()).toBe(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('a', { hasText: '下载' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('情况说明.docx');
    await context.close();
  });
});
