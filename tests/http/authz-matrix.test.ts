// Who may do what: every route the app has (walked from its router, so a new route without an entry in
// the table fails the first test) tried by every role and by an anonymous visitor. Refused means the login
// page or 401 for anonymous visitors, 403/404 with a Chinese message for the others, and for anything
// that changes state, an unchanged database and upload folder. The 包联 leader's column (role 'leader',
// the demo's leader-xcb) is written here beside the shared table: the routes a leader may use, every
// other route refused. Then ids guessed across scopes: another inspector's sheet, another unit's problem
// and photos, unpublished results, a leader outside their 包联 社区.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, startApp, type Reply, type TestApp, loggedIn } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { latestVersionId, unitIdOfUser } from '../helpers/ids.ts';
import { AppError } from '../../src/errors.ts';
import { ANONYMOUS, type Actor, type LeaderActor } from '../../src/services/access.ts';
import { findUserByUsername } from '../../src/db/repos/users.ts';
import { roundPage, reviewPage, assignmentsPage } from '../../src/services/round-pages.ts';
import { resultsPage, weakSpotsPage } from '../../src/services/results-pages.ts';
import { sheetPage } from '../../src/services/sheet-pages.ts';
import { problemPage } from '../../src/services/problem-pages.ts';
import { photoForViewing } from '../../src/services/photo-files.ts';
import { auditPage } from '../../src/services/audit-log.ts';
import { unitsPage } from '../../src/services/people-pages.ts';
import { placesPage } from '../../src/services/places-pages.ts';
import { criteriaList } from '../../src/services/criteria-pages.ts';
import { importsPage } from '../../src/services/imports.ts';
import { createStreet } from '../../src/services/places.ts';
import { openRound } from '../../src/services/rounds.ts';
import { reinspect } from '../../src/services/problems.ts';
import {
  dbFingerprint,
  demoIds,
  isChinese,
  isStateChanging,
  listFiles,
  listRoutes,
  refusalMessage,
  routeTable,
  ROLES,
  send,
  type DemoIds,
  type Probe,
  type Role,
  type RouteSpec,
} from '../helpers/routes.ts';

const PHOTO = readFileSync(join(ROOT, 'tests', 'fixtures', 'photos', 'Canon_40D.jpg'));
const TABLE = routeTable(PHOTO);
const DEFAULT_USER: Record<Exclude<Role, 'anon'>, string> = {
  inspector: 'inspector1',
  unit: 'chengguan',
  office: 'office',
};

let app: TestApp;
let ids: DemoIds;
let anon: Client;
const as = loggedIn(() => app.url);

/**
 * The 包联 leader's column: what access.ts grants a leader (role 'leader', tied to the 包联 unit they
 * lead) — the home page, published rounds and their results for their 包联 社区, the problem board and
 * their 社区' problems and photos, 记录问题 (督查) and the 复查 of a problem they recorded, 单位整改排名
 * of their own units, the list of 材料任务 (their 社区' once a round is published), help, and whatever
 * anyone may open (the public survey and 随手拍 pages, the health check). Everything else is refused.
 * Logging in and out (tried with a throwaway client) is the same for every account and not repeated.
 */
const LEADER = 'leader-xcb';
const LEADER_ALLOWS = new Set([
  'GET /',
  'GET /rounds',
  'GET /rounds/:id',
  'GET /rounds/:id/results',
  'GET /rounds/:id/results/communities/:cid',
  'GET /rounds/:id/results/sites/:sid',
  'GET /criteria/:id/questionnaires/:qid',
  'GET /problems',
  'GET /problems/:id',
  'GET /problems/new',
  'POST /problems/new',
  'POST /problems/:id/reinspect',
  'GET /photos/:id/:variant',
  'GET /units/standing',
  'GET /units/standing.xlsx',
  'GET /tasks',
  'GET /interviews',
  'GET /help/scoring',
  'GET /help/guide',
  'GET /help/ops',
  'GET /help/images/:file',
  'GET /api/session',
]);
/** The objects of the leader's own: a 督查 problem leader-xcb recorded in their 社区, and its photo. */
interface LeaderIds {
  problem: number;
  photo: number;
  /** a 社区 of the published round that the leader's unit does not 包联 */
  otherCommunity: number;
}
let leaderIds: LeaderIds;
/** A request as leader-xcb would send it: their own problem and photo where the route is about one. */
function leaderProbe(spec: RouteSpec): Probe {
  const allowed = LEADER_ALLOWS.has(spec.route);
  if (spec.route === 'GET /problems/:id') return { path: `/problems/${leaderIds.problem}`, kind: 'page' };
  if (spec.route === 'GET /photos/:id/:variant')
    return { path: `/photos/${leaderIds.photo}/display`, kind: 'page' };
  if (spec.route === 'POST /problems/:id/reinspect' && allowed)
    // their own problem, not yet fixed: the 复查 form is theirs, the problem's state answers 409
    return { ...spec.probe(ids, 'unit'), path: `/problems/${leaderIds.problem}/reinspect` };
  return (allowed ? (spec.allowed ?? spec.probe) : spec.probe)(ids, 'unit');
}

const userFor = (spec: RouteSpec, role: Exclude<Role, 'anon'>) =>
  spec.users?.(ids)[role] ?? DEFAULT_USER[role];
const clientFor = (spec: RouteSpec, role: Role) => (role === 'anon' ? anon : as(userFor(spec, role)));
const uploads = () => listFiles(join(app.dir, 'uploads'));

beforeAll(async () => {
  app = await startApp();
  // a draft round to try opening and assigning on (the demo has none)
  const office = await as('office');
  const version = latestVersionId(app.booted.db);
  const made = await office.post('/rounds', {
    name: '权限测试草稿轮次',
    criteriaVersionId: String(version),
    startsOn: '2026-12-01',
    endsOn: '2026-12-07',
    mode: 'all',
  });
  expect(made.status).toBe(303);
  ids = demoIds(app.booted.db, (roundId, siteType) => {
    const round = app.booted.db
      .prepare('SELECT criteria_version_id FROM rounds WHERE id = ?')
      .pluck()
      .get(roundId);
    return app.booted.criteria.get(round as number).forSiteType(siteType)[0]!.code;
  });
  const db = app.booted.db;
  const one = (sql: string, ...args: unknown[]) => {
    const v = db
      .prepare(sql)
      .pluck()
      .get(...args);
    if (v === undefined) throw new Error(`demo lookup found nothing: ${sql}`);
    return v as number;
  };
  const leaderId = one('SELECT id FROM users WHERE username = ?', LEADER);
  const problem = one(
    "SELECT id FROM problems WHERE recorded_by = ? AND status = 'open' ORDER BY id LIMIT 1",
    leaderId,
  );
  leaderIds = {
    problem,
    photo: one("SELECT id FROM photos WHERE problem_id = ? AND kind = 'record' ORDER BY id LIMIT 1", problem),
    otherCommunity: one(
      `SELECT c.id FROM communities c JOIN sites s ON s.community_id = c.id JOIN round_sites rs ON rs.site_id = s.id
       WHERE rs.round_id = ? AND c.id NOT IN (SELECT community_id FROM community_liaisons WHERE unit_id =
         (SELECT unit_id FROM users WHERE id = ?)) ORDER BY c.id LIMIT 1`,
      ids.pub,
      leaderId,
    ),
  };
  anon = new Client(app.url);
  await anon.get('/login');
});
afterAll(async () => {
  await app?.destroy();
});

/** A refusal to a logged-in user: 403 or 404 with a Chinese message, never the page itself. */
function expectRefused(r: Reply, what: string) {
  expect([403, 404], `${what}: ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
  expect(isChinese(refusalMessage(r.text)), `${what}: message "${refusalMessage(r.text)}"`).toBe(true);
}

/** A refusal to a visitor who is not logged in: the login page for pages, 401 for everything else. */
function expectLoginWall(r: Reply, p: Probe, what: string) {
  if (p.kind === 'page') {
    expect([302, 303], what).toContain(r.status);
    expect(r.location ?? '', what).toMatch(/^\/login\?next=/);
  } else {
    expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(401);
    expect(isChinese(refusalMessage(r.text)), what).toBe(true);
  }
}

/** Sends `p` and checks that nothing in the database or the upload folder changed. */
async function unchanged(c: Client, p: Probe): Promise<Reply> {
  await app.booted.versions.settled(); // no photo version still being written in the background
  const before = dbFingerprint(app.booted.db);
  const files = uploads();
  const r = await send(c, p);
  expect(dbFingerprint(app.booted.db), `${p.path} changed the database`).toEqual(before);
  expect(uploads(), `${p.path} left files behind`).toEqual(files);
  return r;
}

describe('the route table', () => {
  it('has one entry for every route of the app and none for routes it does not have', () => {
    const actual = listRoutes(app.booted.app);
    expect(actual.length).toBeGreaterThan(50);
    const known = TABLE.map((s) => s.route);
    expect(
      actual.filter((r) => !known.includes(r)),
      'routes without an entry in tests/helpers/routes.ts',
    ).toEqual([]);
    expect(
      known.filter((r) => !actual.includes(r)),
      'entries for routes the app does not have',
    ).toEqual([]);
    expect(new Set(known).size).toBe(known.length);
  });
});

describe('refused: every route × every role it is not for', () => {
  const cases = TABLE.flatMap((spec) =>
    ROLES.filter((role) => !spec.allow.includes(role)).map((role) => ({ spec, role })),
  );
  it.each(cases.map((c) => [c.spec.route, c.role, c] as const))(
    '%s refuses %s',
    async (_r, _role, { spec, role }) => {
      const c = await clientFor(spec, role);
      const p = spec.probe(ids, role);
      const r = isStateChanging(spec.route) ? await unchanged(c, p) : await send(c, p);
      if (role === 'anon') expectLoginWall(r, p, `${spec.route} as ${role}`);
      else expectRefused(r, `${spec.route} as ${role}`);
    },
  );
});

describe('refused: every route a 包联 leader is not for', () => {
  const cases = TABLE.filter((spec) => !spec.fresh && !spec.allow.includes('anon')).filter(
    (spec) => !LEADER_ALLOWS.has(spec.route),
  );
  it('names only routes the app has', () => {
    const known = TABLE.map((s) => s.route);
    expect([...LEADER_ALLOWS].filter((r) => !known.includes(r))).toEqual([]);
  });
  it.each(cases.map((spec) => [spec.route, spec] as const))('%s refuses a leader', async (_r, spec) => {
    const c = await as(LEADER);
    const p = leaderProbe(spec);
    const r = isStateChanging(spec.route) ? await unchanged(c, p) : await send(c, p);
    expectRefused(r, `${spec.route} as ${LEADER}`);
  });
});

describe('ids guessed across scopes', () => {
  it('refuses inspector1 every way into a sheet assigned to inspector2, changing nothing', async () => {
    const c = await as('inspector1');
    const sheet = `/rounds/${ids.open}/sites/${ids.i2Site}`;
    const api = `/api/rounds/${ids.open}/sites/${ids.i2Site}`;
    const probes: Probe[] = [
      { path: sheet, kind: 'page' },
      { path: api, kind: 'script' },
      {
        path: sheet,
        kind: 'multipart',
        fields: { [`r_${ids.standard}`]: 'ok' },
        files: [{ field: `p_${ids.standard}`, name: 'a.jpg', bytes: PHOTO }],
      },
      { path: `${sheet}/submit`, kind: 'form' },
      {
        path: `${api}/changes`,
        kind: 'json',
        json: {
          batchId: '00000000-0000-4000-8000-0000000000c1',
          baseRevision: 0,
          changes: [{ standard: ids.standard, result: 'ok', cases: 0, fixedCases: 0, note: '' }],
        },
      },
      {
        path: `${api}/photos`,
        kind: 'api-multipart',
        fields: { clientId: '00000000-0000-4000-8000-0000000000c2', standard: ids.standard },
        files: [{ field: 'photo', name: 'a.jpg', bytes: PHOTO }],
      },
      { path: `${api}/location`, kind: 'json', json: { lat: 30, lng: 120 } },
    ];
    for (const p of probes) {
      const r = await unchanged(c, p);
      expect(r.status, `${p.kind} ${p.path}`).toBe(403);
      expect(refusalMessage(r.text)).toBe('该点位未分配给您');
    }
  });

  it("refuses deleting another sheet's photo through one's own sheet (404) or theirs (403)", async () => {
    const other = app.booted.db
      .prepare(
        `SELECT p.id, i.site_id FROM photos p JOIN inspections i ON i.id = p.inspection_id
         WHERE i.round_id = ? AND i.inspector_id = ? AND p.deleted_at IS NULL LIMIT 1`,
      )
      .get(ids.open, ids.users.inspector2) as { id: number; site_id: number };
    const c = await as('inspector1');
    const mine = await unchanged(c, {
      path: `/api/rounds/${ids.open}/sites/${ids.i1Returned}/photos/${other.id}/delete`,
      kind: 'json',
      json: {},
    });
    expect(mine.status).toBe(404);
    const theirs = await unchanged(c, {
      path: `/api/rounds/${ids.open}/sites/${other.site_id}/photos/${other.id}/delete`,
      kind: 'json',
      json: {},
    });
    expectRefused(theirs, 'their sheet');
  });

  it("refuses an inspector the sheet of a round that is no longer open, even their own site's", async () => {
    const site = app.booted.db
      .prepare('SELECT site_id FROM assignments WHERE round_id = ? AND inspector_id = ? LIMIT 1')
      .pluck()
      .get(ids.pub, ids.users.inspector1) as number;
    const r = await (await as('inspector1')).get(`/rounds/${ids.pub}/sites/${site}`);
    expectRefused(r, 'published round sheet');
    expect((await (await as('office')).get(`/rounds/${ids.pub}/sites/${site}`)).status).toBe(200);
  });

  it("refuses a unit another unit's problem: the page, fixing it, requests and its photos", async () => {
    const c = await as('shichang');
    const own = await as('chengguan');
    expect((await own.get(`/problems/${ids.problemOpen}`)).status).toBe(200);
    expectRefused(await c.get(`/problems/${ids.problemOpen}`), 'problem page');
    expectRefused(
      await unchanged(c, {
        path: `/problems/${ids.problemOpen}/fix`,
        kind: 'multipart',
        fields: { note: '别的单位代报' },
        files: [{ field: 'photos', name: 'fix.jpg', bytes: PHOTO }],
      }),
      'fix',
    );
    expectRefused(
      await unchanged(c, {
        path: `/problems/${ids.problemOpen}/request`,
        kind: 'multipart',
        fields: { kind: 'dispute', note: '别的单位申诉' },
        files: [{ field: 'photos', name: 'appeal.jpg', bytes: PHOTO }],
      }),
      'request',
    );
    for (const variant of ['original', 'display', 'thumb']) {
      expect((await own.get(`/photos/${ids.fixPhoto}/${variant}`)).status).toBe(200);
      const r = await c.get(`/photos/${ids.fixPhoto}/${variant}`);
      expectRefused(r, `fix photo ${variant}`);
      expect(r.headers.get('content-type')).not.toMatch(/^image\//);
    }
  });

  it('gives a unit its own 整改通知单 and 整改清单 whatever unit it names in the address', async () => {
    const cg = unitIdOfUser(app.booted.db, 'chengguan');
    const c = await as('shichang');
    const notice = await c.get(`/problems-notice?unit=${cg}`);
    expect(notice.status).toBe(200);
    expect(notice.text).toContain('整改通知单 · 区市场监管局');
    expect(notice.text).not.toContain('区城管局');
    const res = await fetch(`${app.url}/rounds/${ids.pub}/problems.xlsx?unit=${cg}`, {
      headers: { cookie: `cc.sid=${c.cookies.get('cc.sid')}` },
    });
    expect(res.status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const units = new Set(wb.getWorksheet('整改清单')!.getColumn(11).values.slice(2).map(String));
    expect(units.has('区城管局')).toBe(false);
  });

  it('refuses photos of sites a user may not see, in every size', async () => {
    const sheetPhoto = ids.i1ReturnedPhoto; // open round, inspector1's sheet, chengguan's site
    const cases: [string, number, boolean][] = [
      ['inspector1', sheetPhoto, true],
      ['inspector2', sheetPhoto, false],
      ['chengguan', sheetPhoto, false], // its site, but the round is not published
      ['inspector1', ids.pubPhoto, true],
      ['chengguan', ids.pubPhoto, true],
      ['inspector2', ids.pubPhoto, false],
      ['shichang', ids.pubPhoto, false],
      ['xingfu', ids.pubPhoto, false],
    ];
    for (const [user, photo, allowed] of cases) {
      const c = await as(user);
      for (const variant of ['original', 'display', 'thumb']) {
        const r = await c.get(`/photos/${photo}/${variant}`);
        if (allowed) {
          expect(r.status, `${user} ${photo} ${variant}`).toBe(200);
          expect(r.headers.get('content-type')).toMatch(/^image\//);
        } else expectRefused(r, `${user} ${photo} ${variant}`);
      }
    }
    expectRefused(await (await as('office')).get('/photos/99999999/original'), 'no such photo');
    expectRefused(await (await as('office')).get(`/photos/${ids.pubPhoto}/secret`), 'no such size');
  });

  it('refuses units the results of rounds not yet published, and places outside their scope', async () => {
    const c = await as('donghu');
    for (const path of [
      `/rounds/${ids.open}`,
      `/rounds/${ids.open}/results`,
      `/rounds/${ids.open}/results/streets/${ids.dhStreet}`,
      `/rounds/${ids.open}/results/sites/${ids.dhSite}`,
      `/rounds/${ids.pub}/results/communities/${ids.otherCommunity}`,
    ]) {
      const r = await c.get(path);
      expectRefused(r, path);
    }
    expect(refusalMessage((await c.get(`/rounds/${ids.open}/results`)).text)).toBe('本轮结果尚未发布');
    const other = app.booted.db
      .prepare('SELECT id FROM streets WHERE id <> ? ORDER BY id LIMIT 1')
      .pluck()
      .get(ids.dhStreet) as number;
    expectRefused(await c.get(`/rounds/${ids.pub}/results/streets/${other}`), 'other street');
    // the street's own pages are fine
    expect((await c.get(`/rounds/${ids.pub}/results/streets/${ids.dhStreet}`)).status).toBe(200);
  });

  it('refuses an inspector rounds they have no sites in, and results altogether', async () => {
    const c = await as('inspector1');
    expectRefused(await c.get(`/rounds/${ids.pub}`), 'published round');
    expectRefused(await c.get(`/rounds/${ids.draft}`), 'draft round');
    expectRefused(await c.get(`/rounds/${ids.pub}/results`), 'results');
    const u = await as('chengguan');
    expectRefused(await u.get(`/rounds/${ids.open}`), 'open round for a unit');
  });

  it('gives a 包联 leader their 社区’ results, problems and photos, and refuses the others', async () => {
    const c = await as(LEADER);
    expect((await c.get(`/rounds/${ids.pub}/results/communities/${ids.dhCommunity}`)).status).toBe(200);
    const other = await c.get(`/rounds/${ids.pub}/results/communities/${leaderIds.otherCommunity}`);
    expectRefused(other, 'another 社区’s results');
    expect((await c.get(`/problems/${leaderIds.problem}`)).status).toBe(200);
    // a round's problem of chengguan's outside the leader's 社区, and its fix photo
    expect(refusalMessage((await c.get(`/problems/${ids.problemOpen}`)).text)).toBe('您无权查看该问题');
    expect(refusalMessage((await c.get(`/photos/${ids.fixPhoto}/thumb`)).text)).toBe('您无权查看该照片');
    // a leader neither fixes nor asks for anything on their 社区' problems: that is the unit's
    const fix = await unchanged(c, {
      path: `/problems/${leaderIds.problem}/fix`,
      kind: 'multipart',
      fields: { note: '包联领导代报整改' },
      files: [{ field: 'photos', name: 'fix.jpg', bytes: PHOTO }],
    });
    expect(refusalMessage(fix.text)).toBe('这不是本单位的问题');
  });

  it('refuses an inspector re-inspecting a problem at a site that is not theirs, storing nothing', async () => {
    const stranger = ['inspector1', 'inspector2', 'inspector3', 'inspector4'].find(
      (u) => u !== ids.problemFixedInspector,
    )!;
    const c = await as(stranger);
    expectRefused(await c.get(`/problems/${ids.problemFixed}`), 'problem page');
    const r = await unchanged(c, {
      path: `/problems/${ids.problemFixed}/reinspect`,
      kind: 'multipart',
      fields: { outcome: 'pass', note: '' },
      files: [{ field: 'photos', name: 'check.jpg', bytes: PHOTO }],
    });
    expectRefused(r, 'reinspect');
  });
});

// The same decisions asked of the services directly, as the demo, an import or a future page would:
// each service answers a role exactly as its route does (the page, or the route's 403/404 with the
// same message); an anonymous visitor gets 401 from the service where the route sends them to log in,
// and a 包联 leader (no route yet) gets what access.ts grants them.
describe('the same rules asked of the services directly', () => {
  type Call = (actor: Actor) => unknown;
  const ctx = () => ({
    db: app.booted.db,
    criteria: app.booted.criteria,
    uploadDir: join(app.dir, 'uploads'),
  });
  const outcome = async (call: Call, actor: Actor): Promise<{ status: number; message: string }> => {
    try {
      await call(actor);
      return { status: 200, message: '' };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return { status: err.status, message: err.message };
    }
  };
  const userRow = (name: string) => findUserByUsername(app.booted.db, name)!;
  /** a 包联 leader of the unit that 包联s the demo's first 社区 with a 包联 unit */
  const leader = (): LeaderActor => {
    const unitId = app.booted.db
      .prepare('SELECT unit_id FROM community_liaisons ORDER BY community_id, unit_id LIMIT 1')
      .pluck()
      .get() as number;
    return { role: 'leader', id: 999999, display_name: '包联领导', unit_id: unitId };
  };

  const cases: { what: string; path: (i: DemoIds) => string; call: (i: DemoIds) => Call; leader: number }[] =
    [
      {
        what: '/rounds/{draft}',
        path: (i) => `/rounds/${i.draft}`,
        call: (i) => (a) => roundPage(ctx(), a, i.draft),
        leader: 403,
      },
      {
        what: '/rounds/{pub}',
        path: (i) => `/rounds/${i.pub}`,
        call: (i) => (a) => roundPage(ctx(), a, i.pub),
        leader: 200,
      },
      {
        what: '/rounds/{open}/review',
        path: (i) => `/rounds/${i.open}/review`,
        call: (i) => (a) => reviewPage(ctx(), a, i.open, ''),
        leader: 403,
      },
      {
        what: '/rounds/{open}/assignments',
        path: (i) => `/rounds/${i.open}/assignments`,
        call: (i) => (a) => assignmentsPage(ctx(), a, i.open),
        leader: 403,
      },
      {
        what: '/rounds/{pub}/results',
        path: (i) => `/rounds/${i.pub}/results`,
        call: (i) => (a) => resultsPage(ctx(), a, i.pub),
        leader: 200,
      },
      {
        what: '/rounds/{open}/results',
        path: (i) => `/rounds/${i.open}/results`,
        call: (i) => (a) => resultsPage(ctx(), a, i.open),
        leader: 403,
      },
      {
        what: '/rounds/{pub}/results/weak',
        path: (i) => `/rounds/${i.pub}/results/weak`,
        call: (i) => (a) => weakSpotsPage(ctx(), a, i.pub),
        leader: 403,
      },
      {
        what: '/rounds/{open}/sites/{i1Fresh}',
        path: (i) => `/rounds/${i.open}/sites/${i.i1Fresh}`,
        call: (i) => (a) => sheetPage(ctx(), a, i.open, i.i1Fresh),
        leader: 403,
      },
      {
        what: '/problems/{problemOpen}',
        path: (i) => `/problems/${i.problemOpen}`,
        call: (i) => (a) => problemPage(ctx(), a, i.problemOpen),
        leader: 403,
      },
      {
        what: '/photos/{fixPhoto}/thumb',
        path: (i) => `/photos/${i.fixPhoto}/thumb`,
        call: (i) => (a) => photoForViewing(ctx(), a, i.fixPhoto),
        leader: 403,
      },
      {
        what: '/audit',
        path: () => '/audit',
        call: () => (a) =>
          auditPage(app.booted.db, a, { userId: null, roundId: null, siteId: null, beforeId: null }),
        leader: 403,
      },
      { what: '/units', path: () => '/units', call: () => (a) => unitsPage(app.booted.db, a), leader: 403 },
      {
        what: '/places',
        path: () => '/places',
        call: () => (a) => placesPage(app.booted.db, a),
        leader: 403,
      },
      { what: '/criteria', path: () => '/criteria', call: () => (a) => criteriaList(ctx(), a), leader: 403 },
      { what: '/imports', path: () => '/imports', call: () => (a) => importsPage(ctx(), a), leader: 403 },
    ];

  it.each(cases.map((c) => [c.what, c] as const))(
    '%s: each role as its route answers it',
    async (_what, c) => {
      const path = c.path(ids);
      for (const name of [
        'office',
        'inspector1',
        'inspector2',
        ids.problemFixedInspector,
        'chengguan',
        LEADER,
      ]) {
        const page = await (await as(name)).get(path);
        const service = await outcome(c.call(ids), userRow(name));
        const pageStatus = page.status === 304 ? 200 : page.status;
        expect(service.status, `${path} as ${name}`).toBe(pageStatus);
        if (pageStatus !== 200) expect(refusalMessage(page.text), `${path} as ${name}`).toBe(service.message);
      }
      const anonymous = await anon.get(path);
      expect(anonymous.location ?? '', path).toMatch(/^\/login/);
      expect((await outcome(c.call(ids), ANONYMOUS)).status, `${path} anonymous`).toBe(401);
      expect((await outcome(c.call(ids), leader())).status, `${path} as a 包联 leader`).toBe(c.leader);
    },
  );

  it('refuses a change asked by anyone but the office, the database and uploads unchanged', async () => {
    const before = dbFingerprint(app.booted.db);
    const files = uploads();
    for (const actor of [userRow('inspector1'), userRow('chengguan'), leader(), ANONYMOUS] as Actor[]) {
      for (const call of [
        () => createStreet(app.booted.db, actor, '越权新建街道', null),
        () => openRound(app.booted.db, actor, ids.draft),
        () => reinspect(ctx(), actor, ids.problemFixed, 'pass', '', []),
      ]) {
        const r = await outcome(call, actor);
        expect([401, 403], `${actor.role}: ${r.message}`).toContain(r.status);
      }
    }
    expect(dbFingerprint(app.booted.db)).toEqual(before);
    expect(uploads()).toEqual(files);
  });
});

// last: these change the database (harmless requests, but still)
describe('allowed: every route a 包联 leader is for', () => {
  const cases = TABLE.filter(
    (spec) => !spec.fresh && (spec.allow.includes('anon') || LEADER_ALLOWS.has(spec.route)),
  );
  it.each(cases.map((spec) => [spec.route, spec] as const))('%s lets a leader in', async (_r, spec) => {
    const c = await as(LEADER);
    const r = await send(c, leaderProbe(spec));
    const plain = r.status >= 200 && r.status < 400 && !(r.location ?? '').startsWith('/login');
    const reachedAction = [400, 404, 409].includes(r.status) && r.text.includes('返回上一页');
    const ok = plain || reachedAction || (spec.allowedOk?.(r.status, r.text, r.location) ?? false);
    expect(ok, `${spec.route} as ${LEADER}: ${r.status} ${r.location ?? ''} ${refusalMessage(r.text)}`).toBe(
      true,
    );
  });
});

describe('allowed: every route × every role it is for', () => {
  const cases = TABLE.flatMap((spec) => spec.allow.map((role) => ({ spec, role })));
  it.each(cases.map((c) => [c.spec.route, c.role, c] as const))(
    '%s lets %s in',
    async (_r, _role, { spec, role }) => {
      let c: Client;
      if (spec.fresh) {
        c = new Client(app.url);
        if (role === 'anon') await c.get('/login');
        else await c.login(userFor(spec, role));
      } else c = await clientFor(spec, role);
      const p = (spec.allowed ?? spec.probe)(ids, role);
      const r = await send(c, p);
      const plain = r.status >= 200 && r.status < 400 && !(r.location ?? '').startsWith('/login');
      // a form action reached and refused for its (harmless, empty) input answers 400/404/409 with the
      // reason and a link back to its page — access control let it through
      const reachedAction = [400, 404, 409].includes(r.status) && r.text.includes('返回上一页');
      const ok = plain || reachedAction || (spec.allowedOk?.(r.status, r.text, r.location) ?? false);
      expect(ok, `${spec.route} as ${role}: ${r.status} ${r.location ?? ''} ${refusalMessage(r.text)}`).toBe(
        true,
      );
      if (spec.route === 'POST /logout' && role !== 'anon') {
        const after = await c.get('/');
        expect(after.location ?? '').toMatch(/^\/login/);
      }
    },
  );
});
