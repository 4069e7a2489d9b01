// As the creation office keeping places and people: add, edit and retire 镇街, 社区, sites, units and
// users through the pages; every bad value re-renders the page with its message and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import {
  communityIdOf,
  firstIdIn,
  siteIdOf,
  streetIdOf,
  unitIdOf,
  userIdOf,
  versionIdOf,
} from '../helpers/ids.ts';
import { findUserById } from '../../src/db/repos/users.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createStreet, setRetiredState } from '../../src/services/places.ts';
import { createUnit, setUnitLiaisons } from '../../src/services/units.ts';
import { createSite } from '../../src/services/sites.ts';
import { changePassword, editUser } from '../../src/services/accounts.ts';
import { usersPage } from '../../src/services/people-pages.ts';
import { placesPage } from '../../src/services/places-pages.ts';

let app: TestApp;
let office: Client;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app.destroy();
});

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args);
const count = (table: string) => one(`SELECT count(*) FROM ${table}`) as number;

describe('镇街 and 社区', () => {
  it('adds a 镇街 and a 社区, refuses duplicates, and keeps 包联 units on the 社区', async () => {
    await office.get('/places');
    expect((await office.post('/places/streets', { name: '新城街道' })).status).toBe(303);
    const dup = await office.post('/places/streets', { name: '新城街道' });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('镇街“新城街道”已存在');
    expect(count('streets')).toBe(one('SELECT count(DISTINCT name) FROM streets'));
    const streetId = streetIdOf(app.booted.db, '新城街道');
    expect(
      (await office.post('/places/communities', { streetId: String(streetId), name: '新城社区' })).status,
    ).toBe(303);
    const communityId = communityIdOf(app.booted.db, '新城社区');
    const liaison = unitIdOf(app.booted.db, 'L-XCB');
    const body = new URLSearchParams({
      _csrf: office.csrf!,
      streetId: String(streetId),
      name: '新城社区',
      unitId: '',
    });
    body.append('liaisons', String(liaison));
    await fetch(`${app.url}/places/communities/${communityId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `cc.sid=${office.cookies.get('cc.sid')}`,
      },
      body,
      redirect: 'manual',
    });
    expect(one('SELECT unit_id FROM community_liaisons WHERE community_id = ?', communityId)).toBe(liaison);
    const page = await office.get('/places');
    expect(page.text).toContain('包联：区委宣传部');
  });

  it('refuses an empty name and a 社区 in a 镇街 that does not exist', async () => {
    const before = count('communities');
    expect((await office.post('/places/streets', { name: '   ' })).text).toContain('名称不能为空');
    const r = await office.post('/places/communities', { streetId: '99999', name: '无主社区' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('所属镇街不存在');
    expect(count('communities')).toBe(before);
  });
});

describe('sites', () => {
  const street = () => String(firstIdIn(app.booted.db, 'streets'));
  const unit = () => String(unitIdOf(app.booted.db, 'D-CGJ'));

  it('adds a site with GPS and a responsible unit, then edits it', async () => {
    await office.get('/places/sites');
    const r = await office.post('/places/sites', {
      name: '滨江步道',
      siteType: 'park',
      streetId: street(),
      communityId: '',
      address: '滨江路1号',
      lat: '30.2601',
      lng: '120.1702',
      responsibleUnitId: unit(),
    });
    expect(r.status).toBe(303);
    const id = siteIdOf(app.booted.db, '滨江步道');
    expect(one('SELECT lat FROM sites WHERE id = ?', id)).toBe(30.2601);
    await office.get(`/places/sites/${id}`);
    await office.post(`/places/sites/${id}`, {
      name: '滨江步道（东段）',
      siteType: 'square',
      streetId: street(),
      communityId: '',
      address: '滨江路1号',
      lat: '',
      lng: '',
      responsibleUnitId: unit(),
    });
    expect(one('SELECT name || site_type FROM sites WHERE id = ?', id)).toBe('滨江步道（东段）square');
    expect(one('SELECT lat FROM sites WHERE id = ?', id)).toBeNull();
  });

  it.each([
    [{ lat: '95', lng: '120' }, '纬度应在 -90 到 90 之间'],
    [{ lat: '30.1', lng: '' }, '经纬度须同时填写'],
    [{ lat: 'abc', lng: '120' }, '纬度必须是数字'],
    [{ siteType: 'spaceport' }, '点位类型无效'],
    [{ name: '' }, '名称不能为空'],
    [{ name: '点'.repeat(101) }, '名称不能超过100个字符'],
    [{ address: '址'.repeat(201) }, '地址不能超过200个字符'],
    [{ communityId: '999999' }, '所属社区不存在'],
    [{ responsibleUnitId: '999999' }, '所选单位不存在'],
  ])('refuses %o and adds nothing', async (fields, message) => {
    const before = count('sites');
    const r = await office.post('/places/sites', {
      name: '测试点位',
      siteType: 'park',
      streetId: street(),
      communityId: '',
      address: '',
      lat: '',
      lng: '',
      responsibleUnitId: '',
      ...fields,
    });
    expect(r.status).toBe(400);
    expect(r.text).toContain(message);
    expect(count('sites')).toBe(before);
  });

  it('retires a site without deleting it: it leaves new rounds but keeps its history', async () => {
    const id = one("SELECT id FROM sites WHERE site_type = 'market' ORDER BY id LIMIT 1") as number;
    const history = one('SELECT count(*) FROM round_sites WHERE site_id = ?', id) as number;
    expect(history).toBeGreaterThan(0);
    await office.post(`/retire/site/${id}`, { retired: '1' });
    expect(one('SELECT retired_at IS NOT NULL FROM sites WHERE id = ?', id)).toBe(1);
    expect(one('SELECT count(*) FROM round_sites WHERE site_id = ?', id)).toBe(history);
    await office.get('/rounds/new');
    const r = await office.post('/rounds', {
      name: '停用后',
      startsOn: '2026-12-01',
      endsOn: '2026-12-02',
      criteriaVersionId: String(versionIdOf(app.booted.db, 'district-2026')),
      mode: 'all',
    });
    const roundId = Number(r.location!.split('/').pop());
    expect(one('SELECT count(*) FROM round_sites WHERE round_id = ? AND site_id = ?', roundId, id)).toBe(0);
    await office.post(`/retire/site/${id}`, { retired: '0' });
    expect(one('SELECT retired_at FROM sites WHERE id = ?', id)).toBeNull();
  });
});

describe('units and users', () => {
  it('adds a unit, refuses a duplicate code and a parent loop', async () => {
    await office.get('/units');
    expect(
      (
        await office.post('/units', {
          code: 'D-WSJ',
          name: '区卫生健康局',
          kind: 'department',
          department: '卫健局',
          parentId: '',
        })
      ).status,
    ).toBe(303);
    const dup = await office.post('/units', {
      code: 'D-WSJ',
      name: '重复',
      kind: 'other',
      department: '',
      parentId: '',
    });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('单位编码“D-WSJ”已存在');
    const noDept = await office.post('/units', {
      code: 'D-X',
      name: '某局',
      kind: 'department',
      department: '',
      parentId: '',
    });
    expect(noDept.text).toContain('部门单位须填写部门名称');
    const street = unitIdOf(app.booted.db, 'S-DH');
    const child = unitIdOf(app.booted.db, 'C-DH-1');
    const loop = await office.post(`/units/${street}`, {
      code: 'S-DH',
      name: '东湖街道办事处',
      kind: 'street',
      department: '',
      parentId: String(child),
    });
    expect(loop.status).toBe(400);
    expect(loop.text).toContain('上级单位不能是本单位或其下级');
  });

  it('adds a 区级 unit (the district itself, e.g. the 创城办 answering district-level standards)', async () => {
    const form = await office.get('/units');
    expect(form.text).toContain('<option value="district" >区级</option>');
    const made = await office.post('/units', {
      code: 'Q-WMB',
      name: '区文明办',
      kind: 'district',
      department: '',
      parentId: '',
    });
    expect(made.status).toBe(303);
    expect(one("SELECT kind FROM units WHERE code = 'Q-WMB'")).toBe('district');
    const page = await office.get('/units');
    const row = page.text.slice(page.text.indexOf('区文明办'));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('区级');
  });

  it('adds a user who can log in, deactivates them (no login), and resets a password', async () => {
    await office.get('/users');
    const unit = String(unitIdOf(app.booted.db, 'D-SCJG'));
    expect(
      (
        await office.post('/users', {
          username: 'zhang.sj',
          displayName: '张审计',
          password: 'start-pass-1',
          role: 'unit',
          unitId: unit,
          homeStreetId: '',
        })
      ).status,
    ).toBe(303);
    const noUnit = await office.post('/users', {
      username: 'nounit',
      displayName: 'x',
      password: 'start-pass-1',
      role: 'unit',
      unitId: '',
      homeStreetId: '',
    });
    expect(noUnit.text).toContain('必须指定所属单位');
    const dup = await office.post('/users', {
      username: 'ZHANG.SJ',
      displayName: 'x',
      password: 'start-pass-1',
      role: 'office',
      unitId: '',
      homeStreetId: '',
    });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('用户名“ZHANG.SJ”已存在');
    const u = new Client(app.url);
    expect((await u.login('zhang.sj', 'start-pass-1')).status).toBe(303);

    const id = userIdOf(app.booted.db, 'zhang.sj');
    await office.post(`/users/${id}`, {
      displayName: '张审计',
      role: 'unit',
      unitId: unit,
      homeStreetId: '',
      active: '0',
    });
    expect((await new Client(app.url).login('zhang.sj', 'start-pass-1')).status).toBe(400);
    expect((await u.get('/')).status).toBe(303);

    await office.post(`/users/${id}`, {
      displayName: '张审计',
      role: 'unit',
      unitId: unit,
      homeStreetId: '',
      active: '1',
    });
    const short = await office.post(`/users/${id}/password`, { password: 'short' });
    expect(short.text).toContain('密码至少8个字符');
    await office.post(`/users/${id}/password`, { password: 'second-pass-2' });
    expect((await new Client(app.url).login('zhang.sj', 'second-pass-2')).status).toBe(303);
  });

  it('will not let the office deactivate itself', async () => {
    const me = userIdOf(app.booted.db, 'office');
    const r = await office.post(`/users/${me}`, {
      displayName: '王主任',
      role: 'office',
      unitId: '',
      homeStreetId: '',
      active: '0',
    });
    expect(r.status).toBe(400);
    expect(one('SELECT active FROM users WHERE id = ?', me)).toBe(1);
  });
});

describe('what is missing, and who may', () => {
  it('answers 404 for a unit, user, 镇街, 社区 or site that does not exist, and for an unknown 停用 kind', async () => {
    await office.get('/places');
    const cases: [string, Record<string, string>][] = [
      ['/units/999999', { code: 'X', name: 'X', kind: 'other' }],
      ['/units/999999/liaisons', {}],
      ['/users/999999', { displayName: 'x', role: 'inspector', active: '1' }],
      ['/users/999999/password', { password: 'long-enough-9' }],
      ['/places/streets/999999', { name: '无此镇街' }],
      ['/places/communities/999999', { streetId: '1', name: '无此社区' }],
      ['/places/sites/999999', { name: '无此点位', siteType: 'park', streetId: '1' }],
      ['/retire/street/999999', { retired: '1' }],
      ['/retire/planet/1', { retired: '1' }],
    ];
    for (const [path, fields] of cases) expect((await office.post(path, fields)).status, path).toBe(404);
    expect((await office.get('/places/sites/999999')).status).toBe(404);
  });

  it('lets only the office (or the system) change places and people, whoever calls the service', async () => {
    const db = app.booted.db;
    const inspector = findUserById(db, userIdOf(db, 'inspector1'))!;
    const unitUser = findUserById(db, userIdOf(db, 'xingfu'))!;
    const unit = unitIdOf(db, 'L-XCB');
    for (const who of [inspector, unitUser]) {
      expect(() => createStreet(db, who, '越权镇街', null)).toThrow('没有权限访问此页面');
      expect(() => createUnit(db, who, { code: 'X-NO', name: '越权单位', kind: 'other' })).toThrow(
        '没有权限访问此页面',
      );
      expect(() => setUnitLiaisons(db, who, unit, [])).toThrow('没有权限访问此页面');
      expect(() => setRetiredState(db, who, 'unit', unit, true)).toThrow('没有权限访问此页面');
      expect(() =>
        editUser(db, who, who.id, {
          displayName: 'x',
          role: 'office',
          unitId: null,
          homeStreetId: null,
          active: true,
        }),
      ).toThrow('没有权限访问此页面');
      await expect(changePassword(db, who, 'office', 'taken-over-1')).rejects.toThrow('没有权限访问此页面');
      expect(() => usersPage(db, who)).toThrow('没有权限访问此页面');
      expect(() => placesPage(db, who)).toThrow('没有权限访问此页面');
    }
    expect(one("SELECT count(*) FROM streets WHERE name = '越权镇街'")).toBe(0);
    // the command line and the demo act as the system: allowed, and the audit log names no user
    const street = createStreet(db, SYSTEM, '系统新增街道', null);
    expect(
      one("SELECT user_id FROM audit_log WHERE action = 'street.create' AND entity_id = ?", street),
    ).toBeNull();
    createSite(db, SYSTEM, {
      name: '系统点位',
      siteType: 'park',
      streetId: street,
      communityId: null,
      responsibleUnitId: null,
    });
    expect(one("SELECT count(*) FROM sites WHERE name = '系统点位'")).toBe(1);
  });

  it('names the office user in the audit log, and never sends a password hash to the users page', async () => {
    await office.get('/places');
    expect((await office.post('/places/streets', { name: '审计街道' })).status).toBe(303);
    const id = streetIdOf(app.booted.db, '审计街道');
    expect(one("SELECT user_id FROM audit_log WHERE action = 'street.create' AND entity_id = ?", id)).toBe(
      userIdOf(app.booted.db, 'office'),
    );
    const page = await office.get('/users');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('scrypt$');
  });
});
