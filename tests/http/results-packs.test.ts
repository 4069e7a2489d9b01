// Rankings read each sheet's answers from its pack (db/repos/sheet-packs.ts) and keep results in memory
// between views; whatever is kept must follow every change that can move a score. On a fresh demo
// district, after each kind of change — a tablet save (符合→不符合, cases, 当场整改, 不适用), submit,
// return, approve, corrections in an open and a closed round, an exclusion and back, a site moved and
// retyped, close, publish, 撤回发布, a correction in the previous round, a final round inserted in
// between, a 申诉 upheld, results imported from Excel — every round's results as the pages get them
// (cache, packs and kept ranks), and again with the cache emptied, and with no ranks kept, are exactly
// computeRound's from every answer in `answers` (referenceResults). Stale packs (revision raised by
// hand, pack deleted, another criteria version) are rebuilt (or, on a read-only connection, read from
// `answers`), and a sheet with a value a pack cannot hold is read from `answers`. Kept ranks are read
// only under today's key, and forgotten at each start.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { clearResultsCache, referenceResults, resultsFor } from '../../src/services/results.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import type { UserRow } from '../../src/db/repos/users.ts';
import { siteStandards, type RoundResults, type SiteWithStandards } from '../../src/scoring/round.ts';
import { saveChanges } from '../../src/services/sheets.ts';
import { returnSheet, submitSheet } from '../../src/services/sheet-submit.ts';
import { approveSheet, correctAnswer } from '../../src/services/review.ts';
import {
  closeRound,
  excludeSite,
  includeSiteAgain,
  publishRound,
  withdrawPublication,
} from '../../src/services/round-lifecycle.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { editSite } from '../../src/services/sites.ts';
import { PACK_LIMIT } from '../../src/db/repos/sheet-packs.ts';
import { decideRequest, requestChange } from '../../src/services/problem-requests.ts';
import { versionIdOf } from '../helpers/ids.ts';
import ExcelJS from 'exceljs';
import Database from 'better-sqlite3';
import { databaseFile } from '../../src/db/connection.ts';
import { CriteriaCache } from '../../src/services/criteria-registry.ts';

let app: TestApp;
const db = () => app.booted.db;
const ctx = () => ({ db: db(), criteria: app.booted.criteria });
const sheetCtx = () => ({ ...ctx(), uploadDir: join(app.dir, 'uploads') });
const office = (): UserRow => db().prepare("SELECT * FROM users WHERE username = 'office'").get() as UserRow;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

const withoutStandards = (r: RoundResults): RoundResults => ({
  ...r,
  sites: r.sites.map((s) => {
    const { standards: _, ...site } = s as SiteWithStandards;
    return site;
  }),
});

/**
 * Every round's results as served (from the cache when its key is unchanged, else from the packs), then
 * computed again with the cache emptied (the previous round's ranks as kept, round_ranks), then with
 * nothing kept, against computeRound over the answers. Returns the round results served, by round.
 */
function sameAsReference(step: string): Map<number, RoundResults> {
  const served = new Map<number, RoundResults>();
  const rounds = db()
    .prepare("SELECT id FROM rounds WHERE status <> 'draft' ORDER BY id")
    .pluck()
    .all() as number[];
  const reference = new Map(rounds.map((id) => [id, referenceResults(ctx(), findRoundById(db(), id)!)]));
  const expected = (id: number) => withoutStandards(reference.get(id)!);
  // as served: every round was left in the cache by the step before, and is served from it if its key
  // did not move
  for (const id of rounds) {
    served.set(id, resultsFor(ctx(), SYSTEM, id).results);
    expect(served.get(id), `${step}: round ${id}, as served`).toEqual(expected(id));
  }
  for (const id of rounds) {
    clearResultsCache(db());
    const cold = resultsFor(ctx(), SYSTEM, id).results;
    expect(cold, `${step}: round ${id}, computed again (kept ranks)`).toEqual(expected(id));
    for (const site of reference.get(id)!.sites)
      expect(siteStandards(cold, site.id), `${step}: round ${id}, site ${site.id}`).toEqual(
        (site as SiteWithStandards).standards,
      );
  }
  for (const id of rounds) {
    clearResultsCache(db());
    db().exec('DELETE FROM round_ranks');
    const colder = resultsFor(ctx(), SYSTEM, id).results;
    expect(colder, `${step}: round ${id}, computed again (no kept ranks)`).toEqual(expected(id));
  }
  for (const id of rounds) resultsFor(ctx(), SYSTEM, id); // into the cache for the next step
  return served;
}

const one = (sql: string, ...args: unknown[]) =>
  db()
    .prepare(sql)
    .pluck()
    .get(...args);

describe("ranks kept for the next round's 较上轮 (round_ranks)", () => {
  const openRound = () =>
    one("SELECT id FROM rounds WHERE status = 'open' AND methods = 'field' ORDER BY id LIMIT 1") as number;
  const keptRow = (roundId: number) =>
    db().prepare('SELECT key, ranks FROM round_ranks WHERE round_id = ?').get(roundId) as
      { key: string; ranks: string } | undefined;

  it("are read when kept under today's key, ignored and replaced under another", () => {
    const open = openRound();
    const reference = withoutStandards(referenceResults(ctx(), findRoundById(db(), open)!));
    clearResultsCache(db());
    db().exec('DELETE FROM round_ranks');
    const view = resultsFor(ctx(), SYSTEM, open);
    expect(view.results).toEqual(reference);
    const prev = view.previous!.id;
    const row = keptRow(prev)!;
    expect(row).toBeDefined();
    // what a cold ranking reads: two 镇街's previous ranks swapped in the kept row show in their 较上轮
    const [a, b] = view.results.streets.filter((c) => c.movement !== null);
    expect(a && b).toBeTruthy();
    const previousRank = (c: { rank: number | null; movement: number | null }) => c.rank! + c.movement!;
    const [pa, pb] = [previousRank(a!), previousRank(b!)];
    expect(pa).not.toBe(pb);
    const kept = JSON.parse(row.ranks) as { communities: number[]; streets: number[] };
    for (let i = 0; i < kept.streets.length; i += 2) {
      if (kept.streets[i] === a!.id) kept.streets[i + 1] = pb;
      else if (kept.streets[i] === b!.id) kept.streets[i + 1] = pa;
    }
    db().prepare('UPDATE round_ranks SET ranks = ? WHERE round_id = ?').run(JSON.stringify(kept), prev);
    clearResultsCache(db());
    const swapped = resultsFor(ctx(), SYSTEM, open).results.streets;
    expect(swapped.find((c) => c.id === a!.id)!.movement).toBe(pb - a!.rank!);
    expect(swapped.find((c) => c.id === b!.id)!.movement).toBe(pa - b!.rank!);
    // the same row under a key that is not today's is not read, and today's ranks replace it
    db().prepare("UPDATE round_ranks SET key = key || '+' WHERE round_id = ?").run(prev);
    clearResultsCache(db());
    expect(resultsFor(ctx(), SYSTEM, open).results).toEqual(reference);
    expect(keptRow(prev)).toEqual(row);
    // a row that cannot be read is computed again as well
    db().prepare('UPDATE round_ranks SET ranks = \'{"communities": [1]}\' WHERE round_id = ?').run(prev);
    clearResultsCache(db());
    expect(resultsFor(ctx(), SYSTEM, open).results).toEqual(reference);
  });

  it("are forgotten when the server starts again (they may be an older version's)", async () => {
    const open = openRound();
    clearResultsCache(db());
    const prev = resultsFor(ctx(), SYSTEM, open).previous!.id;
    expect(keptRow(prev)).toBeDefined();
    await app.stop();
    app = await startApp({ dir: app.dir });
    expect(one('SELECT count(*) FROM round_ranks')).toBe(0);
  });
});

describe('rankings from sheet packs follow every change that moves a score', () => {
  let open: number;
  let published: number;
  beforeAll(() => {
    open = one(
      "SELECT id FROM rounds WHERE status = 'open' AND methods = 'field' ORDER BY id LIMIT 1",
    ) as number;
    published = one("SELECT id FROM rounds WHERE status = 'published' ORDER BY id LIMIT 1") as number;
  });

  it('as seeded, and the results page shows the same ranking', async () => {
    const before = sameAsReference('as seeded');
    expect(one('SELECT count(*) FROM sheet_packs')).toBeGreaterThan(0);
    const c = new Client(app.url);
    await c.login('office');
    const page = await c.get(`/rounds/${open}/results`);
    expect(page.status).toBe(200);
    for (const community of before.get(open)!.communities.slice(0, 3))
      expect(page.text).toContain(community.name);
  });

  it('a returned sheet saved on the tablet (符合→不符合, cases, 当场整改, 不适用), submitted, returned, approved', async () => {
    const sheet = db()
      .prepare(
        "SELECT id, site_id AS siteId, inspector_id AS inspectorId FROM inspections WHERE round_id = ? AND status = 'returned'",
      )
      .get(open) as { id: number; siteId: number; inspectorId: number };
    const inspector = db().prepare('SELECT * FROM users WHERE id = ?').get(sheet.inspectorId) as UserRow;
    const version = app.booted.criteria.get(findRoundById(db(), open)!.criteria_version_id);
    const answered = db()
      .prepare('SELECT standard_code FROM answers WHERE inspection_id = ? ORDER BY standard_code')
      .pluck()
      .all(sheet.id) as string[];
    // deductions on standards that need no photo (submitting would ask for one); 不适用 and 符合 on others
    const noPhoto = answered.filter((code) => version.byCode.get(code)?.photoRequired === false);
    const others = answered.filter((code) => !noPhoto.includes(code));
    expect(noPhoto.length).toBeGreaterThanOrEqual(2);
    expect(others.length).toBeGreaterThanOrEqual(2);
    const codes = [noPhoto[0], noPhoto[1], others[0], others[1]];
    const revision = () => one('SELECT revision FROM inspections WHERE id = ?', sheet.id) as number;
    const save = (changes: object[]) => {
      const before = revision();
      saveChanges(sheetCtx(), inspector, open, sheet.siteId, {
        batchId: randomUUID(),
        baseRevision: before,
        changes,
      });
      // every answer write raises the sheet's revision (the packs rely on it)
      expect(revision()).toBeGreaterThan(before);
    };
    save([{ standard: codes[0], result: 'fail', cases: 2, fixedCases: 0, note: '' }]);
    save([{ standard: codes[1], result: 'fail', cases: 3, fixedCases: 2, note: '' }]);
    // one save as the tablet sends it: the autosave's own path (saves sharing a transaction)
    const tablet = new Client(app.url);
    await tablet.login(inspector.username);
    const before = revision();
    const reply = await tablet.postJson(`/api/rounds/${open}/sites/${sheet.siteId}/changes`, {
      batchId: randomUUID(),
      baseRevision: before,
      changes: [{ standard: codes[2], result: 'na', cases: 0, fixedCases: 0, note: '' }],
    });
    expect(reply.status).toBe(200);
    expect(revision()).toBeGreaterThan(before);
    save([{ standard: codes[3], result: 'ok', cases: 0, fixedCases: 0, note: '' }]);
    submitSheet(sheetCtx(), inspector, open, sheet.siteId);
    const counted = sameAsReference('submitted');
    expect(counted.get(open)!.sites.find((s) => s.id === sheet.siteId)!.answered).toBeGreaterThanOrEqual(
      codes.length,
    );

    returnSheet(sheetCtx(), office(), open, sheet.siteId, '请补充照片');
    const returned = sameAsReference('returned');
    expect(returned.get(open)!.sites.find((s) => s.id === sheet.siteId)!.answered).toBe(0);

    save([{ standard: codes[0], result: 'fail', cases: 4, fixedCases: 1, note: '' }]);
    submitSheet(sheetCtx(), inspector, open, sheet.siteId);
    sameAsReference('submitted again');
    approveSheet(sheetCtx(), office(), open, sheet.siteId);
    sameAsReference('approved');
  });

  it('corrections in the open round and in the previous, closed round', () => {
    const answer = (roundId: number) =>
      db()
        .prepare(
          `SELECT i.site_id AS siteId, a.standard_code AS standard FROM inspections i
           JOIN answers a ON a.inspection_id = i.id
           WHERE i.round_id = ? AND i.status IN ('submitted', 'approved') AND a.result = 'ok' LIMIT 1`,
        )
        .get(roundId) as { siteId: number; standard: string };
    const a = answer(open);
    correctAnswer(sheetCtx(), office(), open, a.siteId, {
      standard: a.standard,
      result: 'fail',
      cases: 2,
      fixedCases: 1,
      note: '',
      reason: '复核照片发现问题',
    });
    sameAsReference('corrected in the open round');

    withdrawPublication(db(), SYSTEM, published, '需要更正一处答案');
    sameAsReference('publication withdrawn');
    // a failure in the previous round: the open round's repeats follow it
    const p = answer(published);
    correctAnswer(sheetCtx(), office(), published, p.siteId, {
      standard: p.standard,
      result: 'fail',
      cases: 1,
      fixedCases: 0,
      note: '',
      reason: '复核照片发现问题',
    });
    sameAsReference('corrected in the previous round');
    publishRound(db(), SYSTEM, published);
    sameAsReference('published again');
  });

  it('a 申诉 upheld: the disputed deduction becomes 符合', async () => {
    const problem = db()
      .prepare(
        `SELECT p.id, p.inspection_id AS sheet, p.standard_code AS standard, u.username FROM problems p
         JOIN users u ON u.unit_id = p.unit_id
         WHERE p.inspection_id IS NOT NULL AND p.status = 'open' AND p.request IS NULL ORDER BY p.id LIMIT 1`,
      )
      .get() as { id: number; sheet: number; standard: string; username: string };
    const unitUser = db().prepare('SELECT * FROM users WHERE username = ?').get(problem.username) as UserRow;
    const pctx = { db: db(), uploadDir: join(app.dir, 'uploads') };
    await requestChange(pctx, unitUser, problem.id, { kind: 'dispute', note: '该处已于测评前整改完毕' }, []);
    decideRequest(pctx, office(), problem.id, { approve: '1', note: '核实后申诉成立' });
    expect(
      one(
        'SELECT result FROM answers WHERE inspection_id = ? AND standard_code = ?',
        problem.sheet,
        problem.standard,
      ),
    ).toBe('ok');
    sameAsReference('申诉 upheld');
  });

  it('a site excluded and included again; a site moved to another 社区 and given another type', () => {
    const siteId = one(
      "SELECT site_id FROM inspections WHERE round_id = ? AND status IN ('submitted', 'approved') ORDER BY id LIMIT 1",
      open,
    ) as number;
    excludeSite(db(), SYSTEM, open, siteId, '点位施工');
    const excluded = sameAsReference('excluded');
    expect(excluded.get(open)!.sites.some((s) => s.id === siteId)).toBe(false);
    // one site back and another out between two views: as many excluded as before
    const otherSite = one(
      "SELECT site_id FROM inspections WHERE round_id = ? AND status IN ('submitted', 'approved') AND site_id <> ? ORDER BY id LIMIT 1",
      open,
      siteId,
    ) as number;
    includeSiteAgain(db(), SYSTEM, open, siteId);
    excludeSite(db(), SYSTEM, open, otherSite, '点位施工');
    expect(resultsFor(ctx(), SYSTEM, open).results, 'swapped, as served').toEqual(
      withoutStandards(referenceResults(ctx(), findRoundById(db(), open)!)),
    );
    const swapped = sameAsReference('one included again, another excluded');
    expect(swapped.get(open)!.sites.some((s) => s.id === siteId)).toBe(true);
    expect(swapped.get(open)!.sites.some((s) => s.id === otherSite)).toBe(false);
    includeSiteAgain(db(), SYSTEM, open, otherSite);
    sameAsReference('included again');

    const site = db().prepare('SELECT * FROM sites WHERE id = ?').get(siteId) as {
      name: string;
      site_type: string;
      street_id: number;
      community_id: number | null;
      responsible_unit_id: number | null;
    };
    const other = db()
      .prepare('SELECT id, street_id FROM communities WHERE id IS NOT ? ORDER BY id LIMIT 1')
      .get(site.community_id) as { id: number; street_id: number };
    const otherType = one(
      'SELECT DISTINCT site_type FROM sites WHERE site_type <> ? ORDER BY site_type LIMIT 1',
      site.site_type,
    ) as string;
    editSite(db(), SYSTEM, siteId, {
      name: site.name,
      siteType: site.site_type,
      streetId: other.street_id,
      communityId: other.id,
      responsibleUnitId: site.responsible_unit_id,
    });
    const moved = sameAsReference('moved');
    expect(moved.get(open)!.sites.find((s) => s.id === siteId)!.communityId).toBe(other.id);
    editSite(db(), SYSTEM, siteId, {
      name: site.name,
      siteType: otherType,
      streetId: other.street_id,
      communityId: other.id,
      responsibleUnitId: site.responsible_unit_id,
    });
    sameAsReference('retyped');
  });

  it('the open round closed, published and withdrawn; a final round inserted in between', () => {
    for (const s of db()
      .prepare('SELECT site_id AS siteId, status FROM inspections WHERE round_id = ?')
      .all(open) as { siteId: number; status: string }[]) {
      if (s.status === 'submitted') approveSheet(sheetCtx(), office(), open, s.siteId);
    }
    for (const s of db()
      .prepare(
        `SELECT r.site_id FROM round_sites r LEFT JOIN inspections i ON i.round_id = r.round_id AND i.site_id = r.site_id
         WHERE r.round_id = ? AND r.excluded_reason IS NULL AND (i.status IS NULL OR i.status <> 'approved')`,
      )
      .pluck()
      .all(open) as number[])
      excludeSite(db(), SYSTEM, open, s, '本轮未测评');
    sameAsReference('everything approved');
    closeRound(db(), SYSTEM, open);
    sameAsReference('closed');
    publishRound(db(), SYSTEM, open);
    sameAsReference('published');
    withdrawPublication(db(), SYSTEM, open, '发现录入错误');
    const before = sameAsReference('withdrawn');

    // a final round of the same family between the published round and this one: it becomes the
    // previous round (no deductions to repeat, no ranks to move from)
    const [prevStart, start] = [published, open].map((id) => findRoundById(db(), id)!.starts_on);
    expect(prevStart! < start!).toBe(true);
    const between = createRound({ db: db(), criteria: app.booted.criteria }, SYSTEM, {
      name: '插入的一轮',
      criteriaVersionId: findRoundById(db(), open)!.criteria_version_id,
      startsOn: '2026-11-10',
      endsOn: '2026-11-12',
      selection: { mode: 'all' },
    });
    openRound(db(), SYSTEM, between);
    for (const s of db()
      .prepare('SELECT site_id FROM round_sites WHERE round_id = ?')
      .pluck()
      .all(between) as number[])
      excludeSite(db(), SYSTEM, between, s, '未测评');
    closeRound(db(), SYSTEM, between);
    const after = sameAsReference('a round inserted in between');
    expect(before.get(open)!.communities.some((c) => c.movement !== null)).toBe(true);
    expect(after.get(open)!.communities.every((c) => c.movement === null)).toBe(true);
  });
});

describe('results imported from Excel', () => {
  it('count as approved sheets of a new round, as computeRound counts them', async () => {
    const office = new Client(app.url);
    await office.login('office');
    await office.get('/rounds/new');
    const created = await office.post('/rounds', {
      name: '第三方测评',
      startsOn: '2026-12-01',
      endsOn: '2026-12-05',
      criteriaVersionId: String(versionIdOf(db(), 'district-2026')),
      mode: 'types',
      types: 'bus_stop',
    });
    const roundId = Number(created.location!.split('/').pop());
    await office.post(`/rounds/${roundId}/open`);
    await office.get('/imports');
    const res = await fetch(`${app.url}/rounds/${roundId}/imports/results/template.xlsx`, {
      headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` },
    });
    expect(res.status).toBe(200);
    const tpl = new ExcelJS.Workbook();
    await tpl.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const ws = tpl.getWorksheet('测评结果')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const col = (name: string) => header.indexOf(name) + 1;
    ws.eachRow((row, n) => {
      if (n === 1) return;
      row.getCell(col('结果')).value = n % 5 === 0 ? '不适用' : n % 3 === 0 ? '不符合' : '符合';
      if (n % 3 === 0 && n % 5 !== 0) row.getCell(col('问题数')).value = 1 + (n % 4);
    });
    const form = new FormData();
    form.set(
      'file',
      new Blob([new Uint8Array(Buffer.from(await tpl.xlsx.writeBuffer()))]),
      '第三方结果.xlsx',
    );
    const r = await office.postMultipart(`/rounds/${roundId}/imports/results`, form, { csrf: 'field' });
    expect(r.status).toBe(200);
    expect(
      one("SELECT count(*) FROM inspections WHERE round_id = ? AND status = 'approved'", roundId),
    ).toBeGreaterThan(0);
    const served = sameAsReference('imported');
    expect(served.get(roundId)!.sites.some((s) => s.problems > 0)).toBe(true);
  });
});

describe('stale packs', () => {
  it('are rebuilt: revision raised, pack deleted, another criteria version; a value too big is read from answers', () => {
    const round = one("SELECT id FROM rounds WHERE status <> 'draft' ORDER BY id LIMIT 1") as number;
    sameAsReference('before');
    const sheets = db()
      .prepare(
        'SELECT inspection_id FROM sheet_packs p JOIN inspections i ON i.id = p.inspection_id WHERE i.round_id = ? LIMIT 4',
      )
      .pluck()
      .all(round) as number[];
    expect(sheets).toHaveLength(4);
    const [a, b, c, d] = sheets as [number, number, number, number];
    const pack = (id: number) =>
      db()
        .prepare(
          'SELECT revision, criteria_version_id AS version, pack FROM sheet_packs WHERE inspection_id = ?',
        )
        .get(id) as { revision: number; version: number; pack: string | null } | undefined;

    // answers changed behind the pack's back, with the revision raised as every write path does
    db()
      .prepare("UPDATE answers SET result = 'fail', cases = 3 WHERE inspection_id = ? AND result = 'ok'")
      .run(a);
    db().prepare('UPDATE inspections SET revision = revision + 1 WHERE id = ?').run(a);
    db().prepare('DELETE FROM sheet_packs WHERE inspection_id = ?').run(b);
    db()
      .prepare(
        'UPDATE sheet_packs SET criteria_version_id = criteria_version_id + 100 WHERE inspection_id = ?',
      )
      .run(c);
    // a count a pack cannot hold: the sheet gets no pack and is read from answers
    db()
      .prepare(
        `UPDATE answers SET result = 'fail', cases = ? WHERE inspection_id = ? AND standard_code = (SELECT min(standard_code) FROM answers WHERE inspection_id = ?)`,
      )
      .run(PACK_LIMIT + 5, d, d);
    db().prepare('UPDATE inspections SET revision = revision + 1 WHERE id = ?').run(d);
    // a read-only connection cannot write the packs back: it reads the stale sheets from answers
    const readOnly = new Database(databaseFile(join(app.dir, 'data')), { readonly: true });
    try {
      const roCtx = { db: readOnly, criteria: new CriteriaCache(readOnly) };
      const served = resultsFor(roCtx, SYSTEM, round).results;
      expect(served).toEqual(withoutStandards(referenceResults(ctx(), findRoundById(db(), round)!)));
    } finally {
      readOnly.close();
    }
    sameAsReference('stale');
    const revision = (id: number) => one('SELECT revision FROM inspections WHERE id = ?', id);
    expect(pack(a)!.revision).toBe(revision(a));
    expect(pack(b)!.pack).not.toBeNull();
    expect(pack(c)!.version).toBe(findRoundById(db(), round)!.criteria_version_id);
    expect(pack(d)).toMatchObject({ revision: revision(d), pack: null });
    sameAsReference('read again');
  });
});
