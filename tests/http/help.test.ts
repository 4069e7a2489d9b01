// The user guide inside the app: /help/guide renders docs/用户指南.md with its screenshots, and every
// page carries a 帮助 link to an anchor that exists in the rendered guide, the part for the page and role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, loggedIn, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { HELP_RULES, ROLE_PARTS } from '../../src/web/help-links.ts';
import { firstIdIn, roundWithStatus, unitIdOfUser, userIdOf } from '../helpers/ids.ts';
import { insertReport } from '../../src/db/repos/reports.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let guideIds: Set<string>;
beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
});
afterAll(async () => {
  await app?.destroy();
});

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args) as number;

function helpLink(html: string): string | null {
  const m = /<a class="help-link" href="([^"]+)"/.exec(html);
  return m ? m[1]! : null;
}

async function ids(): Promise<Set<string>> {
  if (guideIds) return guideIds;
  const r = await (await as('office')).get('/help/guide');
  expect(r.status).toBe(200);
  guideIds = new Set([...r.text.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  return guideIds;
}

describe('the guide inside the app', () => {
  it('renders docs/用户指南.md in the layout, with every screenshot answering as a PNG', async () => {
    const c = await as('inspector1');
    const r = await c.get('/help/guide');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.text).toContain('<header class="topbar">');
    expect(r.text).toContain('<h1>创城测评 用户指南</h1>');
    expect(r.text).not.toMatch(/<script(?! src=)|style="/);
    const srcs = [...r.text.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThanOrEqual(15);
    for (const src of srcs) {
      expect(src).toMatch(/^\/help\/images\/[\w-]+\.png$/);
      const img = await c.get(src);
      expect(img.status, src).toBe(200);
      expect(img.headers.get('content-type'), src).toBe('image/png');
    }
    // links to the other guide stay inside the app
    expect(r.text).toContain('href="/help/ops"');
    expect(r.text).not.toMatch(/href="[^"]*\.md["#]/);
  });

  it('every screenshot the markdown names is in docs/images', () => {
    const md = readFileSync(join(ROOT, 'docs', '用户指南.md'), 'utf8');
    const names = [...md.matchAll(/\]\(images\/([\w-]+\.png)\)/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const n of names) expect(existsSync(join(ROOT, 'docs', 'images', n)), n).toBe(true);
  });

  it('serves the operations guide when docs/运维指南.md is there, and refuses other image names', async () => {
    const c = await as('chengguan');
    const ops = await c.get('/help/ops');
    if (existsSync(join(ROOT, 'docs', '运维指南.md'))) expect(ops.status).toBe(200);
    else expect(ops.status).toBe(404);
    for (const bad of ['/help/images/..%2F用户指南.md', '/help/images/nope.png', '/help/images/a.jpg'])
      expect((await c.get(bad)).status, bad).toBe(404);
  });

  it('is for logged-in users: a visitor is sent to the login page, which has no help link', async () => {
    const anon = new Client(app.url);
    const r = await anon.get('/help/guide');
    expect(r.status).toBe(303);
    expect(r.location).toBe('/login?next=%2Fhelp%2Fguide');
    expect(helpLink((await anon.get('/login')).text)).toBeNull();
  });

  it('every anchor the help links can point to exists in the rendered guide', async () => {
    const present = await ids();
    const anchors = new Set([
      ...Object.values(ROLE_PARTS),
      ...HELP_RULES.flatMap((r) => Object.values(r.anchors)),
    ]);
    for (const a of anchors) expect(present.has(a), `#${a} missing from the guide`).toBe(true);
  });

  it('every link from one part of the guide to another lands on a part that exists', async () => {
    const present = await ids();
    const md = readFileSync(join(ROOT, 'docs', '用户指南.md'), 'utf8');
    const targets = [...md.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => m[1]!);
    // the table of contents alone links the four roles' parts and the #20 sections
    for (const part of [
      'leader',
      'office-record',
      'office-reports',
      'office-hotline',
      'office-sources',
      'office-reminders',
      'office-contacts',
      'office-standing',
      'unit-reminders',
      'leader-standing',
    ])
      expect(targets, part).toContain(part);
    for (const t of targets) expect(present.has(t), `#${t} linked but missing`).toBe(true);
  });
});

describe('a 帮助 link on every page, to the part for the page and the role', () => {
  it("a unit's home links its contacts page, whose 帮助 says what reminders the unit receives", async () => {
    const c = await as('chengguan');
    const unitId = unitIdOfUser(app.booted.db, 'chengguan');
    const home = await c.get('/');
    expect(home.text).toContain(`<a href="/units/${unitId}/contacts">本单位联系人与群机器人 ›</a>`);
    const page = await c.get(`/units/${unitId}/contacts`);
    expect(page.status).toBe(200);
    expect(helpLink(page.text)).toBe('/help/guide#unit-reminders');
    const guide = (await c.get('/help/guide')).text;
    expect(guide).toMatch(/id="unit-reminders"[\s\S]*本单位联系人与提醒/);
  });

  it('as each role, on the main pages', async () => {
    const present = await ids();
    const pub = roundWithStatus(app.booted.db, 'published');
    const open = roundWithStatus(app.booted.db, 'open');
    const inspector1 = userIdOf(app.booted.db, 'inspector1');
    const mySite = one(
      'SELECT site_id FROM assignments WHERE round_id = ? AND inspector_id = ?',
      open,
      inspector1,
    );
    const unitId = unitIdOfUser(app.booted.db, 'chengguan');
    const unitProblem = one('SELECT id FROM problems WHERE unit_id = ? ORDER BY id', unitId);
    const community = firstIdIn(app.booted.db, 'communities');
    const link = one('SELECT id FROM report_links WHERE community_id IS NULL');
    const report = insertReport(app.booted.db, {
      code: 'HELP000001',
      linkId: link,
      communityId: null,
      address: '幸福路12号',
      description: '垃圾满溢',
      phone: null,
      phoneUntil: null,
      device: 'help-test',
      addrHash: null,
      createdAt: new Date().toISOString(),
    });
    const leaderHome = (await (await as('leader-xcb')).get('/')).text;
    const leaderProblem = /href="\/problems\/(\d+)"/.exec(leaderHome)![1]!;
    const pages: Record<string, [string, string][]> = {
      office: [
        ['/', 'office-progress'],
        ['/rounds', 'office-progress'],
        [`/rounds/${open}`, 'office-progress'],
        ['/rounds/new', 'office-round'],
        [`/rounds/${open}/assignments`, 'office-assign'],
        [`/rounds/${open}/review`, 'office-review'],
        [`/rounds/${open}/sites/${mySite}`, 'office-review'],
        [`/rounds/${pub}/results`, 'office-results'],
        [`/rounds/${pub}/results/communities/${community}`, 'office-results'],
        [`/rounds/${pub}/results/weak`, 'office-weak'],
        ['/problems', 'office-problems'],
        [`/problems/${unitProblem}`, 'office-requests'],
        [`/problems-notice?unit=${unitId}`, 'office-problems'],
        ['/places', 'office-setup'],
        ['/places/sites', 'office-setup'],
        ['/units', 'office-setup'],
        ['/users', 'office-setup'],
        ['/imports', 'office-setup'],
        ['/criteria', 'office-criteria'],
        ['/audit', 'office-audit'],
        ['/problems/new', 'office-record'],
        ['/reports', 'office-reports'],
        ['/reports?status=new', 'office-reports'],
        ['/reports/links', 'office-reports'],
        [`/reports/${report}`, 'office-reports'],
        ['/hotline', 'office-hotline'],
        ['/hotline/aliases', 'office-hotline'],
        ['/problem-settings', 'office-sources'],
        ['/calendar', 'office-criteria'],
        ['/notifications', 'office-reminders'],
        ['/notifications?status=failed', 'office-reminders'],
        ['/notifications/preview', 'office-reminders'],
        ['/notifications/test', 'office-reminders'],
        ['/notifications/settings', 'office-reminders'],
        ['/units/standing', 'office-standing'],
        [`/units/${unitId}/contacts`, 'office-contacts'],
        ['/help/scoring', 'office'],
        ['/help/guide', 'office'],
      ],
      inspector1: [
        ['/', 'inspector-sites'],
        ['/rounds', 'inspector-sites'],
        [`/rounds/${open}/sites/${mySite}`, 'inspector-sheet'],
        ['/problems', 'inspector-reinspect'],
        ['/help/scoring', 'inspector'],
      ],
      chengguan: [
        ['/', 'unit-problems'],
        ['/rounds', 'unit-results'],
        [`/rounds/${pub}/results`, 'unit-results'],
        ['/problems', 'unit-problems'],
        [`/problems/${unitProblem}`, 'unit-fix'],
        ['/problems-notice', 'unit-notice'],
        [`/units/${unitId}/contacts`, 'unit-reminders'],
      ],
      'leader-xcb': [
        ['/', 'leader-home'],
        ['/problems', 'leader-home'],
        ['/problems/new', 'leader-record'],
        [`/problems/${leaderProblem}`, 'leader-reinspect'],
        ['/units/standing', 'leader-standing'],
      ],
    };
    for (const [user, list] of Object.entries(pages)) {
      const c = await as(user);
      for (const [path, anchor] of list) {
        const r = await c.get(path);
        expect(r.status, `${user} ${path}`).toBe(200);
        const href = helpLink(r.text);
        expect(href, `${user} ${path}`).toBe(`/help/guide#${anchor}`);
        expect(present.has(anchor), `${user} ${path} → #${anchor}`).toBe(true);
      }
    }
  });

  it('on a page that is not found, too (the part for the role)', async () => {
    const r = await (await as('chengguan')).get('/no-such-page');
    expect(r.status).toBe(404);
    expect(helpLink(r.text)).toBe('/help/guide#unit');
  });
});
