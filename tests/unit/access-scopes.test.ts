// What an actor may list (services/access-scopes.ts), asked directly on a copy of the demo district's
// database: the rounds they see, the 镇街, 社区 and sites of a published round's results, the problem
// board's filter. The expected sets are written out by hand from the demo's make-up (src/services/demo.ts:
// four 镇街 with their 社区 and sites, a 街道办 and a 居委会 for each, the four 包联 units taking the thirteen
// 社区 in turn), never computed by the code under test.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import type { RoundRow } from '../../src/db/repos/rounds.ts';
import { ANONYMOUS, SYSTEM, type Actor } from '../../src/services/access.ts';
import {
  canSeeCommunity,
  canSeeSite,
  canSeeStreet,
  problemListScope,
  readableRound,
  resultsScope,
  roundsVisibleTo,
} from '../../src/services/access-scopes.ts';
import { LOGIN, OK, answerOf, no, useDemoWorld } from '../helpers/demo-world.ts';
import { roundIdOf, unitIdOf, userIdOf } from '../helpers/ids.ts';
import { DEMO_TASKS_ROUND_NAME } from '../../src/services/demo-tasks.ts';

const world = useDemoWorld();
const { user, leader, streetId, communityId, siteId, published, open } = world;
let db: Db;
beforeAll(() => {
  db = world.db;
});
const ROUND = '您无权查看该测评轮次';
const RESULTS = '只有创城办和责任单位可以查看测评结果';

const ids = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
const XINGFU_SITES = [
  '幸福社区党群服务中心',
  '幸福家园小区',
  '锦绣花园',
  '槐树巷',
  '幸福社区新时代文明实践站',
];
/** 区委宣传部's 包联 社区 (the 1st, 5th, 9th and 13th 社区 of the demo) and their sites. */
const XCB_COMMUNITIES = ['幸福社区', '朝阳社区', '桃园社区', '永安社区'];
const XCB_SITES = [
  ...XINGFU_SITES,
  ...['朝阳社区党群服务中心', '朝阳小区', '阳光城', '朝阳胡同', '朝阳社区新时代文明实践站'],
  ...['桃园社区党群服务中心', '桃园新居', '桃园巷'],
  ...['永安社区党群服务中心', '永安里', '永安胡同', '永安社区新时代文明实践站'],
];

/** A results scope as names → ids, to compare with what resultsScope returns. */
const scope = (streets: string[], communities: string[], sites: string[]) => ({
  all: false,
  streets: ids(streets.map(streetId)),
  communities: ids(communities.map(communityId)),
  sites: ids(sites.map(siteId)),
});
function scopeOf(actor: Actor, round: RoundRow) {
  const s = resultsScope(db, actor, round);
  return { all: s.all, streets: ids(s.streets), communities: ids(s.communities), sites: ids(s.sites) };
}

describe('what an actor may list', () => {
  it('rounds: the office all, an inspector the open one, units and leaders the published one', () => {
    const visible = (a: Actor) => ids(roundsVisibleTo(db, a).map((r) => r.id));
    const [pub, now] = [published().id, open().id];
    // the 综合测评 round is open too, but no inspector has sites in it (its 材料任务 reach units on /tasks)
    const tasksRound = roundIdOf(db, DEMO_TASKS_ROUND_NAME);
    expect(visible(user('office'))).toEqual(ids([pub, now, tasksRound]));
    expect(visible(SYSTEM)).toEqual(ids([pub, now, tasksRound]));
    expect(visible(user('inspector1'))).toEqual([now]);
    expect(visible(user('xingfu'))).toEqual([pub]);
    expect(visible(leader('宣传部领导', 'L-XCB'))).toEqual([pub]);
    expect(visible(ANONYMOUS)).toEqual([]);
    const refusal = (a: Actor, id: number) => answerOf(() => readableRound(db, a, id));
    expect(refusal(user('office'), 999_999)).toEqual({ status: 404, message: '找不到该测评轮次' });
    expect(refusal(user('inspector1'), pub)).toEqual(no(ROUND));
    expect(refusal(ANONYMOUS, pub)).toEqual(LOGIN);
    expect(refusal(user('xingfu'), pub)).toBe(OK);
  });

  it('results: the office everything; a 社区居委会 its 社区; a 街道办 its 镇街 and every 社区 in it', () => {
    const everything = { all: true, streets: [], communities: [], sites: [] };
    expect(scopeOf(user('office'), published())).toEqual(everything);
    expect(scopeOf(SYSTEM, published())).toEqual(everything);
    expect(scopeOf(user('xingfu'), published())).toEqual(scope([], ['幸福社区'], XINGFU_SITES));
    expect(scopeOf(user('donghu'), published())).toEqual(
      scope(
        ['东湖街道'],
        ['幸福社区', '和平社区', '湖滨社区', '光明社区'],
        [
          ...XINGFU_SITES,
          ...['和平社区党群服务中心', '和平里小区', '和平西巷'],
          ...['湖滨社区党群服务中心', '湖滨雅苑', '东湖新村', '湖滨后街', '湖滨社区新时代文明实践站'],
          ...['光明社区党群服务中心', '光明小区', '光明巷'],
          ...['东湖大道', '东湖农贸市场', '东湖中心小学', '东湖公交枢纽站', '东湖公园'],
        ],
      ),
    );
  });

  it('results: a department the sites it answers for; a 包联 unit and its leader the 包联 社区', () => {
    expect(scopeOf(user('chengguan'), published())).toEqual(
      scope([], [], ['东湖大道', '西城大道', '南山大道', '北关大道']),
    );
    expect(scopeOf(user('xuanchuan'), published())).toEqual(scope([], XCB_COMMUNITIES, XCB_SITES));
    expect(scopeOf(leader('宣传部领导', 'L-XCB'), published())).toEqual(
      scope([], XCB_COMMUNITIES, XCB_SITES),
    );
    expect(scopeOf(leader('财政局领导', 'L-CZJ'), published())).toEqual(
      scope(
        [],
        ['和平社区', '文昌社区', '青石社区'],
        [
          ...['和平社区党群服务中心', '和平里小区', '和平西巷'],
          ...['文昌社区党群服务中心', '文昌苑', '文昌里'],
          ...['青石社区党群服务中心', '青石小区', '青石板巷', '青石社区新时代文明实践站'],
        ],
      ),
    );
  });

  it('results: refused to inspectors, before publication, and to visitors', () => {
    const refusal = (a: Actor, round: RoundRow) => answerOf(() => resultsScope(db, a, round));
    expect(refusal(user('inspector1'), published())).toEqual(no(RESULTS));
    expect(refusal(user('xingfu'), open())).toEqual(no('本轮结果尚未发布'));
    expect(refusal(leader('宣传部领导', 'L-XCB'), open())).toEqual(no('本轮结果尚未发布'));
    expect(refusal(ANONYMOUS, published())).toEqual(LOGIN);
  });

  it('results: canSeeStreet, canSeeCommunity and canSeeSite answer from the scope', () => {
    const s = resultsScope(db, user('donghu'), published());
    expect([canSeeStreet(s, streetId('东湖街道')), canSeeStreet(s, streetId('西城街道'))]).toEqual([
      true,
      false,
    ]);
    expect([
      canSeeCommunity(s, communityId('和平社区')),
      canSeeCommunity(s, communityId('朝阳社区')),
    ]).toEqual([true, false]);
    expect([canSeeSite(s, siteId('东湖公园')), canSeeSite(s, siteId('西城公园'))]).toEqual([true, false]);
    const all = resultsScope(db, user('office'), published());
    expect([canSeeStreet(all, streetId('西城街道')), canSeeCommunity(all, communityId('朝阳社区'))]).toEqual([
      true,
      true,
    ]);
    expect(canSeeSite(all, siteId('西城公园'))).toBe(true);
  });

  it('the problem board: a unit its subtree, an inspector their sites, a leader the 包联 社区 and what they recorded', () => {
    const board = (a: Actor) => {
      const f = problemListScope(db, a);
      return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.isArray(v) ? ids(v) : v]));
    };
    expect(board(user('office'))).toEqual({});
    expect(board(SYSTEM)).toEqual({});
    expect(board(user('xingfu'))).toEqual({ unitIds: [unitIdOf(db, 'C-DH-1')] });
    expect(board(user('donghu'))).toEqual({
      unitIds: ids(['S-DH', 'C-DH-1', 'C-DH-2', 'C-DH-3', 'C-DH-4'].map((c) => unitIdOf(db, c))),
    });
    expect(board(user('chengguan'))).toEqual({ unitIds: [unitIdOf(db, 'D-CGJ')] });
    expect(board(user('inspector2'))).toEqual({ inspectorId: userIdOf(db, 'inspector2') });
    const xcbLeader = leader('宣传部领导', 'L-XCB');
    // and the problems they recorded (督查), wherever those are
    expect(board(xcbLeader)).toEqual({
      communityIds: ids(XCB_COMMUNITIES.map(communityId)),
      recordedBy: xcbLeader.id,
    });
    expect(answerOf(() => problemListScope(db, ANONYMOUS))).toEqual(LOGIN);
  });
});
