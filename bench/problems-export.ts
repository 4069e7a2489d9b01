/**
 * The 整改清单 export at scale: N problems (each with a problem photo, half with an after photo) in a
 * temporary database, exported to problems.xlsx in a fresh child process that reports its wall time
 * and peak RSS. Run: npx tsx bench/problems-export.ts [N …] (default 5000 20000).
 */
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { insertCommunity, insertSite, insertStreet } from '../src/db/repos/places.ts';
import { includeSites, insertRound, setRoundStatus } from '../src/db/repos/rounds.ts';
import { insertUser } from '../src/db/repos/users.ts';
import { insertProblem } from '../src/db/repos/problems.ts';
import { insertPhoto } from '../src/db/repos/photos.ts';
import { insertUnit } from '../src/db/repos/units.ts';
import { photoPaths } from '../src/photos/files.ts';
import { runAsServer } from './node-as-server.ts';
import type { Db } from '../src/db/connection.ts';

/** 40 distinct small JPEGs filed as thumbnails (what the workbook embeds); returns their SHA-256s. */
export async function writeThumbs(uploadDir: string): Promise<string[]> {
  const thumbs: string[] = [];
  for (let i = 0; i < 40; i++) {
    const jpg = await sharp({
      create: {
        width: 320,
        height: 240,
        channels: 3,
        background: { r: (i * 37) % 255, g: 120, b: (i * 11) % 255 },
      },
    })
      .jpeg({ quality: 80 })
      .toBuffer();
    const sha = createHash('sha256').update(jpg).update(String(i)).digest('hex');
    const path = photoPaths(uploadDir, sha).thumb;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, jpg);
    thumbs.push(sha);
  }
  return thumbs;
}

/** The n-th problem's photo rows: its problem photo, and an after-photo for every second one. */
export function problemPhotos(
  db: Db,
  p: { inspection: number; standard: string; problem: number; user: number; thumbs: string[]; n: number },
): void {
  const photo = (kind: 'evidence' | 'fix', sha: string) =>
    insertPhoto(db, {
      clientId: null,
      sha256: sha,
      displayKey: '0000000000000000',
      kind,
      inspectionId: kind === 'evidence' ? p.inspection : null,
      standardCode: p.standard,
      problemId: kind === 'fix' ? p.problem : null,
      originalName: '',
      mime: 'image/jpeg',
      bytes: 16000,
      width: 1600,
      height: 1200,
      takenAt: null,
      gpsLat: null,
      gpsLng: null,
      flags: [],
      uploadedBy: p.user,
      // the thumbnails are written above; no display versions are needed for the workbook
      caption: null,
    });
  photo('evidence', p.thumbs[p.n % p.thumbs.length]!);
  if (p.n % 2 === 0) photo('fix', p.thumbs[(p.n + 7) % p.thumbs.length]!);
}

/** Builds a district with `count` problems; returns the folder and round id. */
export async function seedProblems(count: number): Promise<{ dir: string; roundId: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-export-'));
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'),
    UPLOAD_DIR: join(dir, 'uploads'),
    DEMO: '0',
    LOG_LEVEL: 'silent',
  });
  const booted = await boot(config, () => {});
  const { db, criteria } = booted;
  const { id: versionId, criteria: version } = criteria.getByCode('district-2026');
  const type = 'market';
  const standards = version.forSiteType(type);
  const thumbs = await writeThumbs(config.uploadDir);
  const sitesNeeded = Math.ceil(count / standards.length);
  let roundId = 0;
  db.transaction(() => {
    const unit = insertUnit(db, { code: 'D-X', name: '区城管局', kind: 'department', department: '城管局' });
    const user = insertUser(db, {
      username: 'office',
      displayName: 'office',
      role: 'office',
      unitId: null,
      homeStreetId: null,
      passwordHash: 'x',
    });
    const street = insertStreet(db, '镇街', null);
    const sites: number[] = [];
    for (let i = 0; i < sitesNeeded; i++) {
      const community = i % 10 === 0 ? insertCommunity(db, street, `社区${i}`, null) : null;
      sites.push(
        insertSite(db, {
          name: `农贸市场${i}`,
          siteType: type,
          streetId: street,
          communityId: community ?? null,
          address: '',
          lat: null,
          lng: null,
          responsibleUnitId: unit,
        }),
      );
    }
    roundId = insertRound(db, {
      name: '基准轮次',
      criteriaVersionId: versionId,
      startsOn: '2026-11-01',
      endsOn: '2026-11-07',
      selection: { mode: 'all' },
      createdBy: user,
    });
    includeSites(db, roundId, sites);
    const inspection = db.prepare(
      `INSERT INTO inspections (round_id, site_id, status, revision, started_at) VALUES (?, ?, 'approved', 1, 'x')`,
    );
    let made = 0;
    for (const site of sites) {
      const insp = Number(inspection.run(roundId, site).lastInsertRowid);
      for (const s of standards) {
        if (made >= count) break;
        const problem = insertProblem(db, {
          roundId,
          siteId: site,
          sheetId: insp,
          standardCode: s.code,
          description: `${s.text.slice(0, 20)}（基准测试问题 ${made + 1}）`,
          pointsLost: 1,
          unitId: unit,
          deadline: '2026-11-12',
          repeatCount: made % 7 === 0 ? 1 : 0,
          previousProblemId: null,
        });
        problemPhotos(db, { inspection: insp, standard: s.code, problem, user, thumbs, n: made });
        made++;
      }
    }
    setRoundStatus(db, roundId, 'closed');
  })();
  booted.db.pragma('wal_checkpoint(TRUNCATE)');
  booted.close();
  return { dir, roundId };
}

/** Exports in a child process; returns its seconds, peak RSS and the file size. */
export function measureExport(dir: string, roundId: number): { s: number; peakRssMb: number; mb: number } {
  const out = join(dir, 'problems.xlsx');
  // as the server's node runs (its flags and libuv pool): the export is work the server does
  const line = runAsServer('export-child.ts', [dir, String(roundId), out])
    .trim()
    .split('\n')
    .pop()!;
  const r = JSON.parse(line) as { s: number; peakRssMb: number };
  return { ...r, mb: Number((statSync(out).size / 1e6).toFixed(1)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  for (const n of sizes.length ? sizes : [5000, 20000]) {
    const { dir, roundId } = await seedProblems(n);
    const m = measureExport(dir, roundId);
    console.log(
      JSON.stringify({
        problems: n,
        rect_export_s: m.s,
        rect_export_peak_rss_mb: m.peakRssMb,
        workbook_mb: m.mb,
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}
