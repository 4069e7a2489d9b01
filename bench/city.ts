/**
 * The city-scale dataset of `npm run bench`, written straight into a fresh installation's database in a
 * temporary folder (the app's own migrations and shipped criteria; rows inserted with plain statements
 * in one transaction per round, which is what makes a million answers take seconds):
 * 30 镇街 with their 街道办 units, 300 社区 with 居委会 units, 3,000 sites of every type of the shipped
 * 2026 edition with a responsible unit, an office account and 8 inspectors; 12 weekly rounds with every
 * site scored and approved (1–11 published, 12 closed), 5,000 problems with a problem photo (half with
 * an after-photo) raised in round 12, and two open rounds (13, 14) with every site assigned to the 8
 * inspectors and nothing scored yet, for the sheet page, autosave and whole-sheet intake measurements.
 * `scale` 0.1 builds a tenth of it (`--quick`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { insertCommunity, insertSite, insertStreet } from '../src/db/repos/places.ts';
import { includeSites, insertRound, setRoundStatus } from '../src/db/repos/rounds.ts';
import { insertUser } from '../src/db/repos/users.ts';
import { insertUnit } from '../src/db/repos/units.ts';
import { insertProblem } from '../src/db/repos/problems.ts';
import { problemPhotos, writeThumbs } from './problems-export.ts';
import { hashPassword } from '../src/services/passwords.ts';
import { seededRandom } from '../src/util/random.ts';

export const BENCH_PASSWORD = 'bench-pass-2026';
export const INSPECTORS = 8;

export interface City {
  dir: string;
  config: Config;
  env: Record<string, string>;
  sites: number;
  answers: number;
  /** the latest final round: rankings and the 5,000 problems */
  rankedRound: number;
  problems: number;
  /** open rounds, every site assigned: [round, site, inspector username] in assignment order */
  openSheets: { round: number; site: number; inspector: string; siteType: string }[];
  seedS: number;
}

export async function buildCity(scale = 1): Promise<City> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-city-'));
  const env = {
    DATA_DIR: join(dir, 'data'),
    UPLOAD_DIR: join(dir, 'uploads'),
    DEMO: '0',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
  };
  const config = loadConfig(env);
  const booted = await boot(config, () => {});
  const { db, criteria } = booted;
  const { id: versionId, criteria: version } = criteria.getByCode('district-2026');
  const types = [...version.siteTypes.keys()];
  const rand = seededRandom(2026);
  const streets = Math.round(30 * scale);

  const hash = await hashPassword(BENCH_PASSWORD);
  const siteIds: number[] = [];
  const siteType = new Map<number, string>();
  let office = 0;
  const inspectors: number[] = [];
  db.transaction(() => {
    const departments = ['城管局', '市场监管局', '住建局', '交通运输局', '文旅局', '卫健委'].map((d, i) =>
      insertUnit(db, { code: `D${i + 1}`, name: `区${d}`, kind: 'department', department: d }),
    );
    office = insertUser(db, {
      username: 'office',
      displayName: '创城办',
      role: 'office',
      unitId: null,
      homeStreetId: null,
      passwordHash: hash,
    });
    for (let i = 1; i <= INSPECTORS; i++)
      inspectors.push(
        insertUser(db, {
          username: `inspector${i}`,
          displayName: `测评员${i}`,
          role: 'inspector',
          unitId: null,
          homeStreetId: null,
          passwordHash: hash,
        }),
      );
    for (let s = 1; s <= streets; s++) {
      const streetUnit = insertUnit(db, { code: `S${s}`, name: `第${s}街道办事处`, kind: 'street' });
      const street = insertStreet(db, `第${s}街道`, streetUnit);
      for (let c = 1; c <= 10; c++) {
        const cu = insertUnit(db, {
          code: `S${s}C${c}`,
          name: `第${s}-${c}社区居委会`,
          kind: 'community',
          parentId: streetUnit,
        });
        const community = insertCommunity(db, street, `第${s}-${c}社区`, cu);
        for (let i = 1; i <= 10; i++) {
          const type = types[(siteIds.length * 7 + c) % types.length]!;
          // the last site of the last 社区 of each 镇街 hangs directly under the 镇街 (a main road, a hub)
          const direct = c === 10 && i === 10;
          const id = insertSite(db, {
            name: `第${s}-${c}-${i}号点位`,
            siteType: type,
            streetId: street,
            communityId: direct ? null : community,
            address: `清河路${siteIds.length + 1}号`,
            lat: 31.2 + rand() * 0.1,
            lng: 121.4 + rand() * 0.1,
            responsibleUnitId: i % 3 === 0 ? departments[i % departments.length]! : cu,
          });
          siteIds.push(id);
          siteType.set(id, type);
        }
      }
    }
  })();

  const insertInspection = db.prepare(
    `INSERT INTO inspections (round_id, site_id, inspector_id, status, revision, started_at, submitted_at, approved_at)
     VALUES (?, ?, ?, 'approved', 2, ?, ?, ?)`,
  );
  const insertAnswer = db.prepare(
    `INSERT INTO answers (inspection_id, standard_code, result, cases, fixed_cases, grade, note, updated_at, updated_by)
     VALUES (?, ?, ?, ?, ?, NULL, '', ?, ?)`,
  );
  const assign = db.prepare(
    `INSERT INTO assignments (round_id, site_id, inspector_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?)`,
  );
  const monday = (k: number, plus = 0) =>
    new Date(Date.UTC(2026, 7, 31) + (k * 7 + plus) * 86400_000).toISOString().slice(0, 10);
  /** The k-th weekly round (Monday to Friday), every site included. */
  const weekRound = (k: number) => {
    const round = insertRound(db, {
      name: `第${k + 1}周实地测评`,
      criteriaVersionId: versionId,
      startsOn: monday(k),
      endsOn: monday(k, 4),
      selection: { mode: 'all' },
      createdBy: office,
    });
    includeSites(db, round, siteIds);
    return round;
  };
  const fails: { inspection: number; site: number; standard: string; cases: number }[] = [];
  let answers = 0;
  let rankedRound = 0;
  for (let k = 0; k < 12; k++) {
    db.transaction(() => {
      const round = weekRound(k);
      const at = `${monday(k)}T02:00:00.000Z`;
      for (const [n, site] of siteIds.entries()) {
        const inspector = inspectors[n % INSPECTORS]!;
        assign.run(round, site, inspector, at, office);
        const inspection = Number(insertInspection.run(round, site, inspector, at, at, at).lastInsertRowid);
        for (const s of version.forSiteType(siteType.get(site)!)) {
          const roll = rand();
          const fail = roll < 0.12;
          const cases = fail ? (s.scoring.mode === 'passfail' ? 1 : 1 + Math.floor(rand() * 3)) : 0;
          insertAnswer.run(
            inspection,
            s.code,
            fail ? 'fail' : roll > 0.97 ? 'na' : 'ok',
            cases,
            0,
            at,
            inspector,
          );
          answers++;
          if (fail && k === 11) fails.push({ inspection, site, standard: s.code, cases });
        }
      }
      setRoundStatus(db, round, k === 11 ? 'closed' : 'published');
      rankedRound = round;
    })();
  }

  // 5,000 problems of round 12, each with its problem photo, half with an after-photo (40 distinct
  // small JPEGs on disk: the workbook embeds the thumbnails)
  const thumbs = await writeThumbs(config.uploadDir);
  const problemCount = Math.min(Math.round(5000 * scale), fails.length);
  const unitOf = db.prepare('SELECT responsible_unit_id FROM sites WHERE id = ?').pluck();
  db.transaction(() => {
    for (const [n, f] of fails.slice(0, problemCount).entries()) {
      const standard = version.standards.find((s) => s.code === f.standard)!;
      const problem = insertProblem(db, {
        roundId: rankedRound,
        siteId: f.site,
        sheetId: f.inspection,
        standardCode: f.standard,
        description: `${standard.text.slice(0, 24)}（${f.cases}处）`,
        pointsLost: 1,
        unitId: unitOf.get(f.site) as number,
        deadline: '2026-11-30',
        repeatCount: n % 7 === 0 ? 1 : 0,
        previousProblemId: null,
      });
      problemPhotos(db, { inspection: f.inspection, standard: f.standard, problem, user: office, thumbs, n });
    }
  })();

  // two open rounds with every site assigned, nothing scored
  const openSheets: City['openSheets'] = [];
  for (const k of [12, 13]) {
    db.transaction(() => {
      const round = weekRound(k);
      for (const [n, site] of siteIds.entries()) {
        assign.run(round, site, inspectors[n % INSPECTORS]!, monday(k), office);
        openSheets.push({
          round,
          site,
          inspector: `inspector${(n % INSPECTORS) + 1}`,
          siteType: siteType.get(site)!,
        });
      }
      setRoundStatus(db, round, 'open');
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  booted.close();
  return {
    dir,
    config,
    env,
    sites: siteIds.length,
    answers,
    rankedRound,
    problems: problemCount,
    openSheets,
    seedS: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}
