/**
 * Files of 材料任务, the bad and the good (#18 "Bad input"): every kind of file a unit should not upload
 * is refused on the task's page with its Chinese message, and nothing is stored — no row, no file under
 * documents/, no temp file left. Accepted files are served with their kind's type (never the name's),
 * inline or as attachments, with a policy of their own. A slow upload is not cut off; the start-up sweep
 * removes documents no row names and keeps the rest.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/app.ts';
import {
  badStartxrefPdf,
  damagedPdf,
  docx,
  docxBomb,
  encryptedPdf,
  filesForm,
  jpeg,
  openDocumentRound,
  pdf,
  tasksOfUser,
  validPdf,
  xlsx,
} from '../helpers/documents.ts';
import type { DocumentTaskRow } from '../../src/db/repos/document-tasks.ts';
import { SERVER_TIMEOUTS } from '../../src/web/server-timeouts.ts';

let app: TestApp;
let as: (u: string) => Promise<Client>;
let task: DocumentTaskRow;
let roundId: number;

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  roundId = openDocumentRound(app.booted);
  task = tasksOfUser(app.booted, roundId, 'xingfu')[0]!;
});
afterAll(() => app.destroy());

const db = () => app.booted.db;
const uploads = () => join(app.dir, 'uploads');
const listing = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listing(join(dir, e.name)).map((n) => `${e.name}/${n}`) : [e.name],
      )
    : [];
const snapshot = () => ({
  rows: scalar(db(), 'SELECT count(*) FROM document_files') as number,
  events: scalar(db(), 'SELECT count(*) FROM document_task_events') as number,
  documents: listing(join(uploads(), 'documents')),
  tmp: listing(join(uploads(), 'tmp')),
});

async function upload(files: { name: string; bytes: Buffer }[], taskId = task.id) {
  const c = await as('xingfu');
  if (!c.csrf) await c.get('/');
  return c.postMultipart(`/tasks/${taskId}/files`, filesForm('files', files, { _csrf: c.csrf! }), {
    csrf: false,
  });
}

const MB = 1024 * 1024;
const R = {
  unsupported: '不支持此类型的文件，请上传 PDF、Word（.docx）、Excel（.xlsx）、OFD、JPEG 或 PNG 文件',
  mismatch: '文件内容与扩展名不符，请确认选择的是正确的文件，不要手动修改扩展名',
  damaged: 'PDF 文件已损坏或不完整，请重新导出或“另存为” PDF 后再上传',
  encrypted: 'PDF 已加密，请去掉密码后再上传',
  bomb: '文件解压后过大，可能已损坏或含有恶意内容，请重新保存为新文件后再上传',
  empty: '文件是空的（0 字节），请选择正确的文件后重新上传',
  tooLarge: '文件超过 20 MB，请压缩或拆分后再上传',
  tooMany: '每项任务最多上传 10 个文件，请删除多余的文件或合并后再上传',
  path: '文件名不能包含路径（“/”“\\”或“..”），请重命名文件后再上传',
  control: '文件名含有不可见的控制字符，请重命名文件后再上传',
  oldOffice: '不支持旧版 Office / WPS 格式（.doc、.xls、.wps），请在 Word、Excel 或 WPS 中“另存为” PDF',
  heic: '不支持 HEIC / HEIF 格式的照片，请改用 JPEG 格式',
};
const HTML = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
const OLE2 = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
const HEIC = Buffer.concat([
  Buffer.from('00000018667479706865696300000000', 'hex'),
  Buffer.from('mif1heic'),
  Buffer.alloc(64),
]);

describe('bad input: the message on the page, nothing stored', () => {
  const cases: [string, { name: string; bytes: Buffer }[], number, string][] = [
    ['an .exe', [{ name: 'setup.exe', bytes: Buffer.from('MZ\x90\x00 program') }], 400, R.unsupported],
    ['an .html page', [{ name: '说明.html', bytes: HTML }], 400, R.unsupported],
    ['an HTML page named .pdf', [{ name: '说明.pdf', bytes: HTML }], 400, R.damaged],
    [
      'a PNG named .pdf (decided by the bytes)',
      [{ name: '照片.pdf', bytes: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') }],
      400,
      R.mismatch,
    ],
    ['a JPEG named .docx', [{ name: '情况说明.docx', bytes: jpeg() }], 400, R.mismatch],
    ['an encrypted PDF', [{ name: '方案.pdf', bytes: encryptedPdf() }], 400, R.encrypted],
    ['a PDF without %%EOF', [{ name: '方案.pdf', bytes: damagedPdf() }], 400, R.damaged],
    [
      'a PDF whose startxref points nowhere',
      [{ name: '方案.pdf', bytes: badStartxrefPdf() }],
      400,
      R.damaged,
    ],
    ['a .docx zip bomb', [{ name: '情况说明.docx', bytes: docxBomb() }], 400, R.bomb],
    ['0 bytes', [{ name: '空文件.pdf', bytes: Buffer.alloc(0) }], 400, R.empty],
    ['a name with path parts', [{ name: '..\\..\\etc\\方案.pdf', bytes: validPdf() }], 400, R.path],
    ['a name with a control character', [{ name: '方案\u202egpj.pdf', bytes: validPdf() }], 400, R.control],
    ['a .doc', [{ name: '情况说明.doc', bytes: OLE2 }], 400, R.oldOffice],
    ['an .xls', [{ name: '统计表.xls', bytes: OLE2 }], 400, R.oldOffice],
    ['a .wps', [{ name: '台账.wps', bytes: OLE2 }], 400, R.oldOffice],
    ['a .heic photo', [{ name: 'IMG_0001.HEIC', bytes: HEIC }], 400, R.heic],
    [
      'one bad file among good ones (all or none)',
      [
        { name: '方案.pdf', bytes: validPdf() },
        { name: '台账.wps', bytes: OLE2 },
      ],
      400,
      R.oldOffice,
    ],
  ];
  for (const [what, files, status, message] of cases)
    it(what, async () => {
      const before = snapshot();
      const r = await upload(files);
      expect(r.status).toBe(status);
      expect(r.text).toContain(message);
      // shown on the task's own page, above its upload form
      expect(r.text).toContain(`action="/tasks/${task.id}/files"`);
      expect(snapshot()).toEqual(before);
    });

  it('a 21 MB file: 413, nothing stored', async () => {
    const before = snapshot();
    const r = await upload([{ name: '扫描件.pdf', bytes: pdf({ padding: 21 * MB }) }]);
    expect(r.status).toBe(413);
    expect(r.text).toContain(R.tooLarge);
    expect(snapshot()).toEqual(before);
  });

  it('11 files at once: 400, nothing stored', async () => {
    const before = snapshot();
    const files = Array.from({ length: 11 }, (_, i) => ({
      name: `第${i + 1}页.pdf`,
      bytes: validPdf(`page ${i}`),
    }));
    const r = await upload(files);
    expect(r.status).toBe(400);
    expect(r.text).toContain(R.tooMany);
    expect(snapshot()).toEqual(before);
  });

  it('a script gets the refusal as JSON', async () => {
    const c = await as('xingfu');
    const r = await c.postMultipart(
      `/tasks/${task.id}/files`,
      filesForm('files', [{ name: 'a.exe', bytes: HTML }]),
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: R.unsupported });
  });

  it('a body cut short (a dropped connection): 400, nothing stored', async () => {
    const c = await as('xingfu');
    const before = snapshot();
    const boundary = '----cut-short';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${c.csrf}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n` +
      `Content-Type: application/pdf\r\n\r\n%PDF-1.4 partial`;
    const r = await fetch(`${app.url}/tasks/${task.id}/files`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body,
      redirect: 'manual',
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('上传没有完成或内容不完整，请重新上传');
    expect(snapshot()).toEqual(before);
  });

  it('no CSRF token: 403, nothing stored', async () => {
    const c = await as('xingfu');
    const before = snapshot();
    const r = await c.postMultipart(
      `/tasks/${task.id}/files`,
      filesForm('files', [{ name: 'a.pdf', bytes: validPdf() }]),
      {
        csrf: false,
      },
    );
    expect(r.status).toBe(403);
    expect(snapshot()).toEqual(before);
  });
});

describe('serving files', () => {
  let ids: Record<string, number>;
  beforeAll(async () => {
    const r = await upload([
      { name: '志愿服务 记录.pdf', bytes: validPdf('Served') },
      { name: '活动照片.jpg', bytes: jpeg() },
      { name: '情况说明.docx', bytes: docx() },
      { name: '统计表格.xlsx', bytes: xlsx() },
    ]);
    expect(r.status).toBe(303);
    const rows = db()
      .prepare('SELECT id, kind FROM document_files WHERE task_id = ? AND removed_at IS NULL')
      .all(task.id) as {
      id: number;
      kind: string;
    }[];
    ids = Object.fromEntries(rows.map((r) => [r.kind, r.id]));
  });

  it('a PDF inline, typed by its kind, with a policy that lets the browser’s viewer show it', async () => {
    const c = await as('xingfu');
    const r = await c.get(`/documents/${ids.pdf}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-disposition')).toBe(
      `inline; filename="____ __.pdf"; filename*=UTF-8''${encodeURIComponent('志愿服务 记录.pdf')}`,
    );
    expect(r.headers.get('cache-control')).toMatch(/^private/);
    expect(r.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('sandbox');
    expect(csp).not.toContain('script-src');
  });

  it('an image inline in a sandbox; Office files and ?download=1 as attachments', async () => {
    const c = await as('xingfu');
    const img = await c.get(`/documents/${ids.jpeg}`);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect(img.headers.get('content-disposition')).toMatch(/^inline; /);
    expect(img.headers.get('content-security-policy')).toContain('sandbox');
    const word = await c.get(`/documents/${ids.docx}`);
    expect(word.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(word.headers.get('content-disposition')).toMatch(/^attachment; /);
    const sheet = await c.get(`/documents/${ids.xlsx}`);
    expect(sheet.headers.get('content-disposition')).toMatch(/^attachment; .*filename\*=UTF-8''%E7%BB%9F/);
    const saved = await c.get(`/documents/${ids.pdf}?download=1`);
    expect(saved.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect((await c.bytes(`/documents/${ids.pdf}`)).body).toEqual(validPdf('Served'));
  });

  it('only to those who may read the task: its 镇街 and the office yes, another unit no', async () => {
    expect((await (await as('donghu')).get(`/documents/${ids.pdf}`)).status).toBe(200);
    expect((await (await as('office')).get(`/documents/${ids.pdf}`)).status).toBe(200);
    const other = await (await as('chengguan')).get(`/documents/${ids.pdf}`);
    expect(other.status).toBe(403);
    expect((await (await as('chengguan')).get('/documents/999999')).status).toBe(404);
    const anonymous = await fetch(`${app.url}/documents/${ids.pdf}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
  });

  it('at most 10 current files on a task: 7 more on top of its 4 are refused, nothing stored', async () => {
    const before = snapshot();
    const seven = Array.from({ length: 7 }, (_, i) => ({
      name: `附件${i + 1}.pdf`,
      bytes: validPdf(`more ${i}`),
    }));
    const r = await upload(seven);
    expect(r.status).toBe(400);
    expect(r.text).toContain(R.tooMany);
    expect(snapshot()).toEqual(before);
  });

  it('a template to anyone logged in', async () => {
    const sha = scalar(db(), 'SELECT sha256 FROM document_files WHERE id = ?', ids.docx) as string;
    const id = Number(
      db()
        .prepare(
          `INSERT INTO document_files (template_material, sha256, name, kind, bytes, uploaded_by, uploaded_at)
           VALUES ('ledger', ?, '工作台账模板.docx', 'docx', 100, 1, '2026-12-01T00:00:00Z')`,
        )
        .run(sha).lastInsertRowid,
    );
    expect((await (await as('chengguan')).get(`/documents/${id}`)).status).toBe(200);
  });
});

describe('slow uploads and housekeeping', () => {
  it('the server waits long enough for 20 MB at 100 KB/s', () => {
    const needed = ((20 * MB) / (100 * 1024)) * 1000;
    expect(SERVER_TIMEOUTS.requestTimeout).toBeGreaterThanOrEqual(needed * 2);
    expect(SERVER_TIMEOUTS.idleTimeout).toBeGreaterThan(10_000);
  });

  it('an upload trickled over a few seconds is taken', async () => {
    const c = await as('xingfu');
    const form = filesForm(
      'files',
      [{ name: '慢速上传.pdf', bytes: pdf({ title: 'slow', padding: 48 * 1024 }) }],
      {
        _csrf: c.csrf!,
      },
    );
    const encoded = new Response(form);
    const type = encoded.headers.get('content-type')!;
    const body = Buffer.from(await encoded.arrayBuffer());
    const url = new URL(`/tasks/${task.id}/files`, app.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: {
          'content-type': type,
          'content-length': body.length,
          cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      // 16 KB every 500 ms: about 32 KB/s, for about 1.5 s
      let at = 0;
      const tick = () => {
        req.write(body.subarray(at, at + 16 * 1024));
        at += 16 * 1024;
        if (at >= body.length) req.end();
        else setTimeout(tick, 500);
      };
      tick();
    });
    expect(status).toBe(303);
    expect(scalar(db(), "SELECT count(*) FROM document_files WHERE name = '慢速上传.pdf'")).toBe(1);
  });

  it('the start-up sweep removes documents no row names and temp files, and keeps the rest', async () => {
    const kept = scalar(
      db(),
      'SELECT sha256 FROM document_files WHERE id = (SELECT min(id) FROM document_files)',
    ) as string;
    const stray = 'ab'.repeat(32);
    mkdirSync(join(uploads(), 'documents', 'ab'), { recursive: true });
    writeFileSync(join(uploads(), 'documents', 'ab', stray), 'stray');
    writeFileSync(join(uploads(), 'documents', 'ab', 'not-a-hash'), 'stray');
    mkdirSync(join(uploads(), 'tmp'), { recursive: true });
    writeFileSync(join(uploads(), 'tmp', 'upload-left-by-a-crash'), 'partial');
    await app.stop();
    app = await startApp({ dir: app.dir });
    const files = listing(join(uploads(), 'documents'));
    expect(files).toContain(`${kept.slice(0, 2)}/${kept}`);
    expect(files).not.toContain(`ab/${stray}`);
    expect(files).not.toContain('ab/not-a-hash');
    expect(listing(join(uploads(), 'tmp'))).toEqual([]);
  });
});
