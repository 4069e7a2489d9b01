/**
 * Ranking at city scale: builds 30 镇街, 300 社区 and 3,000 sites with two fully scored rounds (about
 * 60,000 answers each) in a temporary database, then times resultsFor() — loading the answers, the
 * previous round for movement and repeats, and computing every rank — median of 5, and the ranking
 * page over HTTP. Prints one JSON line. Run: npx tsx bench/ranking.ts (part of `npm run bench`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { insertCommunity, insertSite, insertStreet } from '../src/db/repos/places.ts';
import { includeSites, insertRound, setRoundStatus } from '../src/db/repos/rounds.ts';
import { insertUser } from '../src/db/repos/users.ts';
import { hashPassword } from '../src/services/passwords.ts';
import { resultsFor } from '../src/services/results.ts';
import { seededRandom } from '../src/util/random.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchRanking(scale = 1): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-rank-'));
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'),
    UPLOAD_DIR: join(dir, 'up'),
    DEMO: '0',
    LOG_LEVEL: 'silent',
  });
  const booted = await boot(config, () => {});
  const { db, criteria } = booted;
  const { id: versionId, criteria: version } = criteria.getByCode('district-2026');
  const types = [...version.siteTypes.keys()];
  const rand = seededRandom(42);
  const started = performance.now();
  const siteIds: number[] = [];
  db.transaction(() => {
    for (let s = 0; s < 30 * scale; s++) {
      const street = insertStreet(db, `镇街${s + 1}`, null);
      for (let c = 0; c < 10; c++) {
        const community = insertCommunity(db, street, `社区${s + 1}-${c + 1}`, null);
        for (let i = 0; i < 10; i++)
          siteIds.push(
            insertSite(db, {
              name: `点位${s + 1}-${c + 1}-${i + 1}`,
              siteType: types[(c * 10 + i) % types.length]!,
              streetId: street,
              communityId: i === 9 && c === 9 ? null : community,
              address: '',
              lat: null,
              lng: null,
              responsibleUnitId: null,
            }),
          );
      }
    }
  })();
  const office = insertUser(db, {
    username: 'office',
    displayName: 'office',
    role: 'office',
    unitId: null,
    homeStreetId: null,
    passwordHash: await hashPassword('bench-pass-1'),
  });
  const insertInspection = db.prepare(
    `INSERT INTO inspections (round_id, site_id, inspector_id, status, revision, started_at, submitted_at, approved_at)
     VALUES (?, ?, NULL, 'approved', 1, 'x', 'x', 'x')`,
  );
  const insertAnswer = db.prepare(
    `INSERT INTO answers (inspection_id, standard_code, result, cases, fixed_cases, grade, note, updated_at) VALUES (?, ?, ?, ?, 0, NULL, '', 'x')`,
  );
  const rounds: number[] = [];
  let answers = 0;
  for (const [k, dates] of [
    ['2026-10-01', '2026-10-07'],
    ['2026-11-01', '2026-11-07'],
  ].entries()) {
    db.transaction(() => {
      const id = insertRound(db, {
        name: `第${k + 1}轮`,
        criteriaVersionId: versionId,
        startsOn: dates[0]!,
        endsOn: dates[1]!,
        selection: { mode: 'all' },
        createdBy: office,
      });
      includeSites(db, id, siteIds);
      for (const siteId of siteIds) {
        const inspection = Number(insertInspection.run(id, siteId).lastInsertRowid);
        const type = types[(siteId - 1) % types.length]!;
        for (const s of version.forSiteType(type)) {
          const roll = rand();
          const fail = roll < 0.12;
          insertAnswer.run(
            inspection,
            s.code,
            fail ? 'fail' : roll > 0.97 ? 'na' : 'ok',
            fail ? 1 + Math.floor(rand() * 3) : 0,
          );
          answers++;
        }
      }
      setRoundStatus(db, id, 'closed');
      rounds.push(id);
    })();
  }
  const seedS = (performance.now() - started) / 1000;
  const ctx = { db, criteria };
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    resultsFor(ctx, rounds[1]!);
    times.push(performance.now() - t);
  }
  const server = booted.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let res = await fetch(`${base}/login`);
  let cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, username: 'office', password: 'bench-pass-1' }),
  });
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const pageTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const page = await fetch(`${base}/rounds/${rounds[1]}/results`, { headers: { cookie } });
    await page.text();
    if (page.status !== 200) throw new Error(`ranking page answered ${page.status}`);
    pageTimes.push(performance.now() - t);
  }
  server.close();
  booted.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    ranking_sites: siteIds.length,
    ranking_answers_per_round: answers / 2,
    ranking_seed_s: Number(seedS.toFixed(2)),
    ranking_ms: Number(median(times).toFixed(1)),
    ranking_page_ms: Number(median(pageTimes).toFixed(1)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await benchRanking(quick ? 0.1 : 1)));
}
