// As the district's operator: back up while the server runs and people keep working, restore into an
// empty installation, and find the same data and the same photo files; a damaged backup is refused.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, startApp, tempDir } from '../helpers/app.ts';
import { runTs, startTs } from '../helpers/run.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { docx, filesForm, openDocumentRound, tasksOfUser, validPdf } from '../helpers/documents.ts';

const work = tempDir('cc-backup-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else out[`${rel}${name}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  for (const sub of ['originals', 'display', 'thumbs', 'documents']) walk(join(dir, sub), `${sub}/`);
  return out;
}

const TABLES = [
  'users',
  'sites',
  'rounds',
  'inspections',
  'answers',
  'photos',
  'problems',
  'problem_events',
  'audit_log',
  'document_tasks',
  'document_files',
];

describe('npm run cli -- backup / restore', () => {
  it('backs up a running server consistently and restores it into an empty installation', async () => {
    const app = await startApp();
    const c = new Client(app.url);
    await c.login('office');
    const env = { DATA_DIR: join(app.dir, 'data'), UPLOAD_DIR: join(app.dir, 'uploads') };
    const target = join(work, 'b1');
    // people keep working while the backup runs
    const busy = (async () => {
      for (let i = 0; i < 20; i++) await c.get('/rounds');
    })();
    const r = await runTs('src/cli.ts', ['backup', target], env);
    await busy;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('已备份到');
    const counts = Object.fromEntries(
      TABLES.map((t) => [t, app.booted.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get()]),
    );
    const photos = files(join(app.dir, 'uploads'));
    await app.stop();

    const fresh = join(work, 'fresh');
    const freshEnv = { DATA_DIR: join(fresh, 'data'), UPLOAD_DIR: join(fresh, 'uploads'), DEMO: '0' };
    const restored = await runTs('src/cli.ts', ['restore', target], freshEnv);
    expect(restored.code, restored.stderr).toBe(0);
    const db = openDatabase(join(fresh, 'data', 'chuangcheng.sqlite'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const t of TABLES) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(counts[t]);
    db.close();
    expect(files(join(fresh, 'uploads'))).toEqual(photos);

    const back = await startApp({ dir: fresh, demo: false });
    try {
      const again = new Client(back.url);
      expect((await again.login('office')).status).toBe(303);
      expect((await again.get('/rounds')).text).toContain('2026年11月实地测评');
    } finally {
      await back.destroy();
    }
  });

  it('backs up and restores 材料任务 files byte for byte, served again after the restore', async () => {
    const app = await startApp();
    const roundId = openDocumentRound(app.booted);
    const task = tasksOfUser(app.booted, roundId, 'xingfu')[0]!;
    const unit = new Client(app.url);
    await unit.login('xingfu');
    const pdf = validPdf('Backed up');
    const up = await unit.postMultipart(
      `/tasks/${task.id}/files`,
      filesForm(
        'files',
        [
          { name: '志愿服务记录.pdf', bytes: pdf },
          { name: '情况说明.docx', bytes: docx() },
        ],
        { _csrf: unit.csrf! },
      ),
      { csrf: false },
    );
    expect(up.status).toBe(303);
    const fileId = app.booted.db
      .prepare("SELECT id FROM document_files WHERE task_id = ? AND name = '志愿服务记录.pdf'")
      .pluck()
      .get(task.id) as number;
    const env = { DATA_DIR: join(app.dir, 'data'), UPLOAD_DIR: join(app.dir, 'uploads') };
    const target = join(work, 'b-documents');
    const r = await runTs('src/cli.ts', ['backup', target], env);
    expect(r.code, r.stderr).toBe(0);
    const before = files(join(app.dir, 'uploads'));
    const documents = Object.keys(before).filter((k) => k.startsWith('documents/'));
    expect(documents.length).toBeGreaterThanOrEqual(2);
    await app.destroy();

    const fresh = join(work, 'fresh-documents');
    const freshEnv = { DATA_DIR: join(fresh, 'data'), UPLOAD_DIR: join(fresh, 'uploads'), DEMO: '0' };
    const restored = await runTs('src/cli.ts', ['restore', target], freshEnv);
    expect(restored.code, restored.stderr).toBe(0);
    expect(files(join(fresh, 'uploads'))).toEqual(before);
    const back = await startApp({ dir: fresh, demo: false });
    try {
      const again = new Client(back.url);
      await again.login('xingfu');
      // the start-up sweep kept them: every restored document is named by a row
      expect(files(join(fresh, 'uploads'))).toEqual(before);
      expect((await again.bytes(`/documents/${fileId}`)).body).toEqual(pdf);
    } finally {
      await back.destroy();
    }
  });

  it('moves the data it replaces aside instead of deleting it, and says where', async () => {
    const app = await startApp();
    const env = { DATA_DIR: join(app.dir, 'data'), UPLOAD_DIR: join(app.dir, 'uploads') };
    const target = join(work, 'b3');
    expect((await runTs('src/cli.ts', ['backup', target], env)).code).toBe(0);
    // work done after the backup: an account and a photo file
    const late = await runTs(
      'src/cli.ts',
      ['user:add', 'late', '--role', 'inspector', '--password', 'late-pass-1'],
      env,
    );
    expect(late.code, late.stderr).toBe(0);
    const photos = files(join(app.dir, 'uploads'));
    const anyPhoto = Object.keys(photos).find((f) => f.startsWith('originals/'))!;
    await app.stop();

    const r = await runTs('src/cli.ts', ['restore', target], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('原有数据已移到');
    expect(r.stdout).toContain('确认恢复无误后可以删除');
    const keptDb = /\S*chuangcheng\.sqlite\.before-restore-\d{8}-\d{6}/.exec(r.stdout)?.[0];
    const keptPhotos = /\S*\.before-restore-\d{8}-\d{6}(?=\s|$)/m.exec(
      r.stdout.replace(keptDb ?? '', ''),
    )?.[0];
    expect(keptDb, r.stdout).toBeTruthy();
    expect(keptPhotos, r.stdout).toBeTruthy();
    const usernames = (file: string) => {
      const db = openDatabase(file);
      try {
        return db.prepare('SELECT username FROM users').pluck().all() as string[];
      } finally {
        db.close();
      }
    };
    expect(usernames(keptDb!)).toContain('late');
    expect(usernames(join(app.dir, 'data', 'chuangcheng.sqlite'))).not.toContain('late');
    expect(files(keptPhotos!)).toEqual(photos);
    expect(existsSync(join(app.dir, 'uploads', anyPhoto))).toBe(true);
    rmSync(app.dir, { recursive: true, force: true });
  });

  it('refuses to restore while the server runs on the same data, and restores once it has stopped', async () => {
    const root = join(work, 'live');
    const env = {
      DATA_DIR: join(root, 'data'),
      UPLOAD_DIR: join(root, 'uploads'),
      DEMO: '0',
      PORT: String(20000 + Math.floor(Math.random() * 20000)),
    };
    const server = startTs('src/server.ts', [], env);
    try {
      await server.waitFor(/创城测评已启动/);
      expect(existsSync(join(env.DATA_DIR, 'server.pid'))).toBe(true);
      const target = join(work, 'b4');
      expect((await runTs('src/cli.ts', ['backup', target], env)).code).toBe(0);
      const before = readFileSync(join(env.DATA_DIR, 'chuangcheng.sqlite'));
      const refused = await runTs('src/cli.ts', ['restore', target], env);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/恢复失败：服务正在运行（进程 \d+），请先停止服务再恢复/);
      expect(readFileSync(join(env.DATA_DIR, 'chuangcheng.sqlite')).equals(before)).toBe(true);
      expect(readdirSync(env.DATA_DIR).filter((f) => f.includes('before-restore'))).toEqual([]);

      expect((await server.stop()).code).toBe(0);
      expect(existsSync(join(env.DATA_DIR, 'server.pid'))).toBe(false);
      const restored = await runTs('src/cli.ts', ['restore', target], env);
      expect(restored.code, restored.stderr).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('refuses a damaged backup and a non-empty target, changing nothing', async () => {
    const app = await startApp();
    const env = { DATA_DIR: join(app.dir, 'data'), UPLOAD_DIR: join(app.dir, 'uploads') };
    const target = join(work, 'b2');
    expect((await runTs('src/cli.ts', ['backup', target], env)).code).toBe(0);
    const again = await runTs('src/cli.ts', ['backup', target], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('不是空的');
    await app.stop();
    const dbFile = join(target, 'chuangcheng.sqlite');
    const bytes = readFileSync(dbFile);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(dbFile, bytes);
    const before = readFileSync(join(app.dir, 'data', 'chuangcheng.sqlite'));
    const r = await runTs('src/cli.ts', ['restore', target], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('校验值不符');
    expect(readFileSync(join(app.dir, 'data', 'chuangcheng.sqlite')).equals(before)).toBe(true);
    rmSync(app.dir, { recursive: true, force: true });
  });
});
