/**
 * The `tasks` phase of `npm run bench`: document tasks at city scale (#18).
 *
 * seedTasks adds to the city (bench/city.ts) a 综合测评 round on district-2026-2 that counts field work
 * and documents: every site with the answers of the latest final round, and its tasks for every 社区,
 * 镇街, department and the district (≈ 1,900 at full scale) in every state — 未提交 within its deadline,
 * 逾期未交, 退回补充, 已提交, 已评分 (合格 / 不合格 with missing items) — with ≈ 10,000 small distinct files
 * (2–24 KB, each its own SHA-256) in the documents folder. A second, document-only round holds the
 * 2 GB package: 200 files of 10 MB of random bytes (a tenth with --quick); its rows name 10 distinct files
 * on disk, so the disk holds 100 MB while the package streams 2 GB.
 *
 * measurePackage downloads a round's materials.zip as the office, counting its bytes, while sampling the
 * server's resident memory (VmRSS) every 50 ms, and checks the zip's end record counts every file.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import http from 'node:http';
import type { City } from './city.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { findRoundById, includeSites, insertRound, setRoundStatus } from '../src/db/repos/rounds.ts';
import { roundTasks } from '../src/db/repos/document-tasks.ts';
import { generateTasks } from '../src/services/document-tasks.ts';
import { documentPath } from '../src/documents/store.ts';
import { seededRandom } from '../src/util/random.ts';

export interface TaskCity {
  /** field + documents, every task state, ≈ 10,000 files */
  combinedRound: number;
  tasks: number;
  files: number;
  fileMb: number;
  states: Record<string, number>;
  /** documents only: the 2 GB package */
  bigRound: number;
  bigFiles: number;
  bigMb: number;
}

const MB = 1024 * 1024;

/** A file's bytes kept under its SHA-256, as storeDocument keeps an upload. */
function keep(uploadDir: string, bytes: Buffer): string {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const path = documentPath(uploadDir, sha);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return sha;
}

const NAMES = ['工作台账', '活动记录', '现场图片', '情况说明', '统计表', '会议纪要', '工作方案', '年度总结'];
const KINDS = [
  ['pdf', 'pdf'],
  ['jpeg', 'jpg'],
  ['xlsx', 'xlsx'],
  ['docx', 'docx'],
  ['png', 'png'],
] as const;

export function seedTasks(city: City, scale: number): TaskCity {
  const db = openDatabase(databaseFile(city.config.dataDir));
  const cache = new CriteriaCache(db);
  const { id: versionId, criteria: version } = cache.getByCode('district-2026-2');
  const office = db.prepare("SELECT id FROM users WHERE username = 'office'").pluck().get() as number;
  const uploadDir = city.config.uploadDir;
  const rand = seededRandom(18);
  const at = '2026-11-25T02:00:00.000Z';
  const states: Record<string, number> = {};
  let files = 0;
  let bytes = 0;

  const insertFile = db.prepare(
    `INSERT INTO document_files (task_id, sha256, name, kind, bytes, uploaded_by, uploaded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const setTask = db.prepare(
    `UPDATE document_tasks SET status = ?, extended_to = ?, submitted_at = ?, submitted_by = ?, result = ?,
       cases = ?, reviewed_at = ?, reviewed_by = ?, return_reason = ?, revision = revision + 1 WHERE id = ?`,
  );

  // the combined round: after the ranked round (its previous final round), its sites and answers
  const combinedRound = db.transaction(() => {
    const round = insertRound(db, {
      name: '综合测评（实地 + 材料）',
      criteriaVersionId: versionId,
      startsOn: '2026-11-23',
      endsOn: '2026-12-31',
      selection: { mode: 'all' },
      createdBy: office,
      methods: 'field,document',
    });
    const sites = db
      .prepare('SELECT site_id FROM round_sites WHERE round_id = ?')
      .pluck()
      .all(city.rankedRound) as number[];
    includeSites(db, round, sites);
    db.prepare(
      `INSERT INTO inspections (round_id, site_id, inspector_id, status, revision, started_at, submitted_at, approved_at)
       SELECT ?, site_id, inspector_id, status, revision, started_at, submitted_at, approved_at
       FROM inspections WHERE round_id = ?`,
    ).run(round, city.rankedRound);
    db.prepare(
      `INSERT INTO answers (inspection_id, standard_code, result, cases, fixed_cases, grade, note, updated_at, updated_by)
       SELECT ni.id, a.standard_code, a.result, a.cases, a.fixed_cases, a.grade, a.note, a.updated_at, a.updated_by
       FROM answers a JOIN inspections oi ON oi.id = a.inspection_id
       JOIN inspections ni ON ni.round_id = ? AND ni.site_id = oi.site_id
       WHERE oi.round_id = ?`,
    ).run(round, city.rankedRound);
    generateTasks(db, findRoundById(db, round)!, version);
    setRoundStatus(db, round, 'closed');
    return round;
  })();

  const tasks = roundTasks(db, combinedRound);
  db.transaction(() => {
    for (const [i, t] of tasks.entries()) {
      // a fixed mix: 15 % 未提交 (waiting), 10 % 逾期未交, 10 % 退回补充, 20 % 已提交, 45 % 已评分
      const r = i % 20;
      const state =
        r < 3 ? 'pending' : r < 5 ? 'overdue' : r < 7 ? 'returned' : r < 11 ? 'submitted' : 'scored';
      states[state] = (states[state] ?? 0) + 1;
      const fail = state === 'scored' && rand() < 0.35;
      setTask.run(
        state === 'overdue' ? 'pending' : state,
        state === 'overdue' ? '2026-11-30' : state === 'pending' ? '2027-01-31' : null,
        state === 'pending' || state === 'overdue' ? null : at,
        state === 'pending' || state === 'overdue' ? null : office,
        state === 'scored' ? (fail ? 'fail' : 'ok') : null,
        fail ? 1 + Math.floor(rand() * 2) : 0,
        state === 'scored' ? at : null,
        state === 'scored' ? office : null,
        state === 'returned' ? '缺少活动照片' : null,
        t.id,
      );
      // 1–10 files a task (5.5 on average): uploaded whatever the state, as units upload before submitting
      const count = 1 + ((i * 7) % 10);
      for (let k = 0; k < count; k++) {
        const size = 2048 + Math.floor(rand() * 22 * 1024);
        const [kind, ext] = KINDS[(i + k) % KINDS.length]!;
        const sha = keep(uploadDir, randomBytes(size));
        insertFile.run(
          t.id,
          sha,
          `${NAMES[(i + k) % NAMES.length]}（${k + 1}）.${ext}`,
          kind,
          size,
          office,
          at,
        );
        files++;
        bytes += size;
      }
    }
  })();

  // the 2 GB package: a document-only round, 20 of its 社区 tasks submitted with 10 files of 10 MB each
  const bigFiles = Math.round(200 * scale);
  const distinct = Array.from({ length: Math.min(10, bigFiles) }, () =>
    keep(uploadDir, randomBytes(10 * MB)),
  );
  const bigRound = db.transaction(() => {
    const round = insertRound(db, {
      name: '网上申报（2 GB）',
      criteriaVersionId: versionId,
      startsOn: '2026-11-23',
      endsOn: '2026-12-31',
      selection: { mode: 'all' },
      createdBy: office,
      methods: 'document',
    });
    generateTasks(db, findRoundById(db, round)!, version);
    setRoundStatus(db, round, 'open');
    const targets = roundTasks(db, round).filter((t) => t.level === 'community');
    for (let n = 0; n < bigFiles; n++) {
      const t = targets[Math.floor(n / 10) % targets.length]!;
      insertFile.run(
        t.id,
        distinct[n % distinct.length],
        `实景图片${n + 1}.jpg`,
        'jpeg',
        10 * MB,
        office,
        at,
      );
    }
    for (const t of targets.slice(0, Math.ceil(bigFiles / 10)))
      setTask.run('submitted', null, at, office, null, 0, null, null, null, t.id);
    return round;
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {
    combinedRound,
    tasks: tasks.length,
    files,
    fileMb: Math.round((bytes / MB) * 10) / 10,
    states,
    bigRound,
    bigFiles,
    bigMb: bigFiles * 10,
  };
}

/** Resident memory of a process now, in MB (Linux /proc; 0 elsewhere). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

export interface PackageFigures {
  mb: number;
  s: number;
  entries: number;
  baseRssMb: number;
  peakRssMb: number;
}

/** Downloads `/rounds/<id>/materials.zip` (bytes counted, not kept) while sampling the server's RSS. */
export async function measurePackage(
  base: string,
  cookie: string,
  roundId: number,
  pid: number,
): Promise<PackageFigures> {
  const baseRssMb = rssMb(pid);
  let peakRssMb = baseRssMb;
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(pid))), 50);
  const t = performance.now();
  try {
    const { total, tail } = await new Promise<{ total: number; tail: Buffer }>((resolve, reject) => {
      http
        .get(`${base}/rounds/${roundId}/materials.zip`, { headers: { cookie } }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`materials.zip answered ${res.statusCode}`));
          let total = 0;
          let tail: Buffer = Buffer.alloc(0);
          res.on('data', (c: Buffer) => {
            total += c.length;
            tail =
              c.length >= 65_536 ? c.subarray(c.length - 65_536) : Buffer.concat([tail, c]).subarray(-65_536);
          });
          res.on('end', () => resolve({ total, tail }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    const s = (performance.now() - t) / 1000;
    // the end of central directory record: its entry count (0xffff means a zip64 record holds it)
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    let entries = eocd < 0 ? -1 : tail.readUInt16LE(eocd + 10);
    if (entries === 0xffff) {
      const z64 = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
      entries = z64 < 0 ? -1 : Number(tail.readBigUInt64LE(z64 + 32));
    }
    peakRssMb = Math.max(peakRssMb, rssMb(pid));
    return {
      mb: Math.round((total / MB) * 10) / 10,
      s: Math.round(s * 10) / 10,
      entries,
      baseRssMb,
      peakRssMb,
    };
  } finally {
    clearInterval(sampler);
  }
}
