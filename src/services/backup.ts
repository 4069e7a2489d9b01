/**
 * Backup and restore (operator CLI). The database is copied with SQLite's online backup API, which is
 * consistent while the server keeps writing; photos and documents are copied after it (a file is
 * written before its row, so every row in the copy has its file). A manifest records what was copied and the
 * database copy's SHA-256; restore checks both, and PRAGMA integrity_check, before replacing anything.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { databaseFile, openDatabase } from '../db/connection.ts';
import { runningServerPid, serverPidFile } from '../util/pidfile.ts';
import { DOCUMENTS_DIR } from '../documents/store.ts';

// photos and documents (材料任务 files): every folder of the upload folder that rows refer to
const UPLOAD_DIRS = ['originals', 'display', 'thumbs', DOCUMENTS_DIR];

export interface Manifest {
  app: '创城测评';
  createdAt: string;
  schemaVersion: number;
  databaseSha256: string;
  photoFiles: number;
}

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    n += statSync(p).isDirectory() ? countFiles(p) : 1;
  }
  return n;
}

const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

export async function backup(config: Config, target: string): Promise<Manifest> {
  if (existsSync(target) && readdirSync(target).length)
    throw new Error(`备份目录 ${target} 不是空的，请指定一个新的目录`);
  const source = databaseFile(config.dataDir);
  if (!existsSync(source)) throw new Error(`找不到数据库 ${source}，请检查 DATA_DIR`);
  mkdirSync(join(target, 'uploads'), { recursive: true });
  const db = openDatabase(source);
  let schemaVersion: number;
  try {
    await db.backup(join(target, 'chuangcheng.sqlite'));
    schemaVersion = db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
  for (const d of UPLOAD_DIRS) {
    const from = join(config.uploadDir, d);
    if (existsSync(from)) cpSync(from, join(target, 'uploads', d), { recursive: true });
  }
  const manifest: Manifest = {
    app: '创城测评',
    createdAt: new Date().toISOString(),
    schemaVersion,
    databaseSha256: sha256File(join(target, 'chuangcheng.sqlite')),
    photoFiles: countFiles(join(target, 'uploads')),
  };
  writeFileSync(join(target, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/**
 * Replaces DATA_DIR's database and UPLOAD_DIR's photos with a backup. Stop the server first. What was
 * there is moved aside (`chuangcheng.sqlite.before-restore-<time>`, `uploads/.before-restore-<time>/`)
 * and listed in `kept`, for the operator to delete once the restored data is confirmed.
 */
export function restore(config: Config, source: string): Manifest & { kept: string[] } {
  const running = runningServerPid(config.dataDir);
  if (running !== null)
    throw new Error(
      `服务正在运行（进程 ${running}），请先停止服务再恢复；如果服务确实已经停止，删除 ${serverPidFile(config.dataDir)} 后重试`,
    );
  const manifestFile = join(source, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${source} 不是备份目录（缺少 manifest.json）`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  const dbCopy = join(source, 'chuangcheng.sqlite');
  if (manifest.app !== '创城测评' || !existsSync(dbCopy)) throw new Error('备份内容不完整');
  if (sha256File(dbCopy) !== manifest.databaseSha256)
    throw new Error('备份的数据库文件与记录的校验值不符，可能已损坏');
  const check = openDatabase(dbCopy);
  try {
    const result = check.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`备份的数据库未通过完整性检查：${String(result)}`);
  } finally {
    check.close();
  }
  // copy beside the targets first, then swap, so a failure half-way leaves the current data as it was
  const target = databaseFile(config.dataDir);
  const staged = `${target}.restoring`;
  cpSync(dbCopy, staged);
  const stagedUploads = join(config.uploadDir, '.restoring');
  rmSync(stagedUploads, { recursive: true, force: true });
  for (const d of UPLOAD_DIRS) {
    const from = join(source, 'uploads', d);
    if (existsSync(from)) cpSync(from, join(stagedUploads, d), { recursive: true });
  }
  // what is replaced is moved aside, not deleted: a restore from the wrong backup can be undone
  const kept: string[] = [];
  const stamp = restoreStamp(new Date());
  mkdirSync(config.dataDir, { recursive: true });
  if (existsSync(target)) {
    const aside = `${target}.before-restore-${stamp}`;
    renameSync(target, aside);
    // its write-ahead log holds its latest commits: it goes with it, under the name SQLite looks for
    if (existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${aside}-wal`);
    kept.push(aside);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(staged, target);
  const photosAside = join(config.uploadDir, `.before-restore-${stamp}`);
  for (const d of UPLOAD_DIRS) {
    const current = join(config.uploadDir, d);
    if (existsSync(current)) {
      mkdirSync(photosAside, { recursive: true });
      renameSync(current, join(photosAside, d));
    }
    if (existsSync(join(stagedUploads, d))) renameSync(join(stagedUploads, d), current);
  }
  if (existsSync(photosAside)) kept.push(photosAside);
  rmSync(stagedUploads, { recursive: true, force: true });
  return { ...manifest, kept };
}

/** A file-name-safe moment in China time: 20261129-143005. */
function restoreStamp(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000)
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
}
