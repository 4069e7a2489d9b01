// The demo district a new user meets on first start: a realistic district, all roles, an open round
// with assignments, each role's home page showing what is theirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { roundWithStatus } from '../helpers/ids.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

const count = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args) as number;

describe('demo district', () => {
  it('has at least 3 镇街, 12 社区 and 40 sites of 8 types, with units, 包联 and every role', () => {
    expect(count('SELECT count(*) FROM streets')).toBeGreaterThanOrEqual(3);
    expect(count('SELECT count(*) FROM communities')).toBeGreaterThanOrEqual(12);
    expect(count('SELECT count(*) FROM sites')).toBeGreaterThanOrEqual(40);
    expect(count('SELECT count(DISTINCT site_type) FROM sites')).toBeGreaterThanOrEqual(8);
    expect(count('SELECT count(*) FROM sites WHERE community_id IS NULL')).toBeGreaterThan(0);
    expect(count('SELECT count(*) FROM community_liaisons')).toBeGreaterThanOrEqual(12);
    expect(count("SELECT count(*) FROM units WHERE kind = 'department'")).toBeGreaterThanOrEqual(5);
    expect(count("SELECT count(*) FROM users WHERE role = 'inspector'")).toBe(4);
    expect(count("SELECT count(*) FROM users WHERE role = 'unit'")).toBeGreaterThanOrEqual(2);
    expect(count("SELECT count(*) FROM users WHERE role = 'office'")).toBeGreaterThanOrEqual(1);
    // every community unit hangs under its 镇街's unit
    expect(count("SELECT count(*) FROM units WHERE kind = 'community' AND parent_id IS NULL")).toBe(0);
  });

  it('has an open round whose sites are all assigned, and no inspector works in their home 镇街', () => {
    const round = roundWithStatus(app.booted.db, 'open');
    const sites = count('SELECT count(*) FROM round_sites WHERE round_id = ?', round);
    expect(sites).toBeGreaterThanOrEqual(40);
    expect(count('SELECT count(*) FROM assignments WHERE round_id = ?', round)).toBe(sites);
    expect(
      count(
        `SELECT count(*) FROM assignments a JOIN users u ON u.id = a.inspector_id JOIN sites s ON s.id = a.site_id
         WHERE a.round_id = ? AND u.home_street_id = s.street_id`,
        round,
      ),
    ).toBe(0);
  });

  it('has submitted sheets with photos for the office to review, one in progress and one returned', () => {
    expect(count("SELECT count(*) FROM inspections WHERE status = 'submitted'")).toBeGreaterThanOrEqual(3);
    expect(count("SELECT count(*) FROM inspections WHERE status = 'returned'")).toBe(1);
    expect(count("SELECT count(*) FROM inspections WHERE status = 'draft'")).toBeGreaterThanOrEqual(1);
    expect(
      count("SELECT count(*) FROM photos WHERE kind = 'evidence' AND deleted_at IS NULL"),
    ).toBeGreaterThan(3);
    // every failed answer whose standard needs a photo has one, in the submitted sheets
    expect(count("SELECT count(*) FROM audit_log WHERE action = 'sheet.submit'")).toBeGreaterThanOrEqual(4);
  });

  it('has an earlier round scored, approved, closed and published, with photos of its problems', () => {
    const earlier = app.booted.db
      .prepare("SELECT id FROM rounds WHERE status = 'published'")
      .pluck()
      .all() as number[];
    expect(earlier).toHaveLength(1);
    const sites = count('SELECT count(*) FROM round_sites WHERE round_id = ?', earlier[0]);
    expect(
      count("SELECT count(*) FROM inspections WHERE round_id = ? AND status = 'approved'", earlier[0]),
    ).toBe(sites);
    expect(
      count(
        "SELECT count(*) FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND a.result = 'fail'",
        earlier[0],
      ),
    ).toBeGreaterThan(20);
    expect(
      count(
        'SELECT count(*) FROM photos p JOIN inspections i ON i.id = p.inspection_id WHERE i.round_id = ?',
        earlier[0],
      ),
    ).toBeGreaterThan(20);
    for (const action of ['round.close', 'round.publish'])
      expect(
        count('SELECT count(*) FROM audit_log WHERE action = ? AND round_id = ?', action, earlier[0]),
      ).toBe(1);
  });

  it('has problems in every state of the rectification loop', () => {
    for (const status of ['open', 'fixed', 'closed', 'void'])
      expect(count('SELECT count(*) FROM problems WHERE status = ?', status), status).toBeGreaterThan(0);
    for (const request of ['transfer', 'extension'])
      expect(count('SELECT count(*) FROM problems WHERE request = ?', request)).toBe(1);
    expect(count("SELECT count(*) FROM problem_events WHERE action = 'reject'")).toBe(1);
    expect(count("SELECT count(*) FROM photos WHERE kind IN ('fix', 'reinspect', 'appeal')")).toBeGreaterThan(
      3,
    );
  });

  it('went through the services: its creation is in the audit log', () => {
    expect(count("SELECT count(*) FROM audit_log WHERE action = 'round.create'")).toBe(2);
    expect(count("SELECT count(*) FROM audit_log WHERE action = 'site.create'")).toBe(
      count('SELECT count(*) FROM sites'),
    );
  });

  it('lists the round at /rounds for the office, linking to its page with the criteria version', async () => {
    const c = new Client(app.url);
    await c.login('office');
    const list = await c.get('/rounds');
    expect(list.status).toBe(200);
    const id = /href="\/rounds\/(\d+)"/.exec(list.text)?.[1];
    expect(id).toBeDefined();
    expect(list.text).toContain('2026年第四季度第1轮实地测评');
    const page = await c.get(`/rounds/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('清河区文明城市创建实地考察测评体系');
    expect(page.text).toContain('进行中');
  });

  it("shows an inspector their assigned sites grouped by 镇街 and 社区, and nobody else's", async () => {
    const c = new Client(app.url);
    await c.login('inspector3');
    const home = await c.get('/');
    const mine = app.booted.db
      .prepare(
        `SELECT s.name FROM assignments a JOIN sites s ON s.id = a.site_id JOIN users u ON u.id = a.inspector_id
         WHERE u.username = 'inspector3' AND a.round_id = ?`,
      )
      .pluck()
      .all(roundWithStatus(app.booted.db, 'open')) as string[];
    const others = app.booted.db
      .prepare(
        `SELECT s.name FROM assignments a JOIN sites s ON s.id = a.site_id JOIN users u ON u.id = a.inspector_id
         WHERE u.username <> 'inspector3' AND a.round_id = ?`,
      )
      .pluck()
      .all(roundWithStatus(app.booted.db, 'open')) as string[];
    expect(mine.length).toBeGreaterThan(5);
    for (const name of mine) expect(home.text).toContain(name);
    const shown = [...home.text.matchAll(/class="site-name">([^<]+)</g)].map((m) => m[1]);
    expect(shown.sort()).toEqual([...mine].sort());
    for (const name of others) expect(shown).not.toContain(name);
    expect(home.text).toContain('东湖街道');
  });

  it('shows a unit user only published rounds, and refuses the open round', async () => {
    const c = new Client(app.url);
    await c.login('chengguan');
    const home = await c.get('/');
    expect(home.text).toContain('区城管局');
    expect(home.text).toContain('2026年11月实地测评');
    expect(home.text).not.toContain('2026年第四季度第1轮实地测评');
    const id = roundWithStatus(app.booted.db, 'open');
    expect((await c.get(`/rounds/${id}`)).status).toBe(403);
  });
});
